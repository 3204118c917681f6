// Runs a program to completion with `input` on its stdin and its stdout and stderr captured:
// nft for the daemons' --auto-rules, ip/nft/conntrack/iperf3 for the netns runner and bench.
// No shell. Safe to call from a multi-threaded process (SIGPIPE from a child that exits without
// reading its input is kept off the process).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace phantasm::linux_host {

struct CommandResult {
  int status = -1;     // exit status; 128 + signal when killed; -1 when it could not be started
  std::string output;  // stdout and stderr together (why it could not start, for -1)
};

// argv[0] is looked up in PATH.
CommandResult run_command(const std::vector<std::string>& argv, std::string_view input = {});

}  // namespace phantasm::linux_host
