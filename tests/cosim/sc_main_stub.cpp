// libsystemc.so needs an sc_main symbol; Catch2's main() wins, so this is never called. It must see <systemc>
// for the extern "C" declaration (shared notes/toolchain.md sec. 4).
#include <systemc>

int sc_main(int, char*[]) { return 0; }
