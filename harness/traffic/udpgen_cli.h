// `phantasm udpgen`: the UDP load generator and sink, as a subcommand of the umbrella CLI.
#pragma once

namespace phantasm::traffic {

// Exit statuses: 0 the run completed (loss is data, not failure), 1 runtime error (resolve,
// bind, socket), 2 bad usage, 3 --expect-lossless and something was lost, corrupted or
// duplicated.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotLossless = 3;

}  // namespace phantasm::traffic

// argv[0] names the command (as in main()); argv[1] is `send` or `sink`, or --help.
int udpgen_main(int argc, char** argv);
