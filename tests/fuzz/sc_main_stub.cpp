// libsystemc.so references sc_main; the fuzz targets link the readers' library, which links SystemC, but never
// elaborate anything (libFuzzer's main is the program's main).
#include <systemc>

int sc_main(int, char*[]) { return 0; }
