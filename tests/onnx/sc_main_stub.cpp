// libsystemc.so needs an sc_main symbol; Catch2's main() runs the tests (toolchain notes, pattern B).
#include <systemc>
int sc_main(int, char*[]) { return 0; }
