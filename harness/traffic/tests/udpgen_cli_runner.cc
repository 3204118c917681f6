// `phantasm udpgen` on its own, so the command-line tests can run it as a child process
// without depending on the umbrella binary.
#include "harness/traffic/udpgen_cli.h"

int main(int argc, char** argv) { return udpgen_main(argc, argv); }
