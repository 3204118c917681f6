// Child processes of a run: started in a namespace with their output in a log file, stopped by
// PID only (never by name), and all of them stopped when the run ends, however it ends.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "harness/linux/run_command.h"

namespace phantasm::netns {

// Runs argv to completion (stdin from `input`), capturing its output.
using linux_host::CommandResult;
using linux_host::run_command;
// Same, in namespace `ns` (ip netns exec).
CommandResult run_in(const std::string& ns, const std::vector<std::string>& argv, const std::string& input = {});
// Runs it and throws with the output when it fails.
std::string must_run_in(const std::string& ns, const std::vector<std::string>& argv, const std::string& input = {});

class Process {
 public:
  Process() = default;
  // Starts argv in `ns` (empty: here), output to `log_path`; with `stdin_pipe` the parent can
  // write lines to it (send()).
  static Process start(const std::string& ns, const std::vector<std::string>& argv, const std::string& log_path,
                       bool stdin_pipe = false, const std::vector<std::string>& env = {});
  Process(Process&& o) noexcept;
  Process& operator=(Process&& o) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig) const;
  void send(const std::string& line) const;
  // SIGTERM, wait up to `grace_ms`, then SIGKILL. Returns the exit status (128 + signal).
  int stop(int grace_ms = 5000);
  // Waits for it to exit by itself, up to `timeout_ms` (then stops it). Returns the status.
  int wait(int timeout_ms);
  const std::string& log_path() const { return log_; }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int status_ = -1;
  std::string log_;
};

std::string read_file(const std::string& path);

}  // namespace phantasm::netns
