// The CLI/trace test binary links lpsim_sim, hence SystemC, whose libsystemc.so needs an sc_main (never called:
// Catch2's main wins). The file must include <systemc> so sc_main gets its extern "C" declaration.
#include <systemc>

int sc_main(int, char*[]) { return 0; }
