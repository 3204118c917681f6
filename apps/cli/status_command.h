// `phantasm status`: asks a running phantasm-client/phantasm-server over its control socket
// (apps/daemons/control_socket.h) and prints its flows and counters.
#pragma once

#include <string>
#include <vector>

namespace phantasm::cli {

inline constexpr int kStatusOk = 0;
inline constexpr int kStatusNoDaemon = 1;  // cannot connect, no daemon running, bad answer
inline constexpr int kStatusUsage = 2;     // bad option, or several daemons and no --socket

// The sockets (*.sock) in `directory`, sorted.
std::vector<std::string> control_sockets(const std::string& directory);

int run_status_command(int argc, char** argv);

}  // namespace phantasm::cli
