#include "netns-tests/runner/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace phantasm::netns {
namespace {

std::vector<std::string> in_namespace(const std::string& ns, const std::vector<std::string>& argv) {
  if (ns.empty()) return argv;
  std::vector<std::string> full = {"ip", "netns", "exec", ns};
  full.insert(full.end(), argv.begin(), argv.end());
  return full;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

[[noreturn]] void exec_child(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
  ::_exit(127);
}

}  // namespace

CommandResult run_in(const std::string& ns, const std::vector<std::string>& argv, const std::string& input) {
  return run_command(in_namespace(ns, argv), input);
}

std::string must_run_in(const std::string& ns, const std::vector<std::string>& argv, const std::string& input) {
  CommandResult r = run_in(ns, argv, input);
  if (r.status != 0) {
    std::string cmd;
    for (const std::string& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    throw std::runtime_error("'" + cmd + "' in " + (ns.empty() ? "the host" : ns) + " failed (" +
                             std::to_string(r.status) + "): " + r.output + (input.empty() ? "" : "\ninput:\n" + input));
  }
  return r.output;
}

Process Process::start(const std::string& ns, const std::vector<std::string>& argv, const std::string& log_path,
                       bool stdin_pipe, const std::vector<std::string>& env) {
  const std::vector<std::string> full = in_namespace(ns, argv);
  int in_pipe[2] = {-1, -1};
  if (stdin_pipe && ::pipe2(in_pipe, O_CLOEXEC) < 0) throw std::runtime_error("pipe failed");
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot write " + log_path);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (stdin_pipe) ::dup2(in_pipe[0], 0);
    else {
      const int null_fd = ::open("/dev/null", O_RDONLY);
      ::dup2(null_fd, 0);
    }
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    exec_child(full, env);
  }
  ::close(log_fd);
  Process p;
  p.pid_ = pid;
  p.log_ = log_path;
  if (stdin_pipe) {
    ::close(in_pipe[0]);
    p.stdin_fd_ = in_pipe[1];
  }
  return p;
}

Process::Process(Process&& o) noexcept { *this = std::move(o); }

Process& Process::operator=(Process&& o) noexcept {
  std::swap(pid_, o.pid_);
  std::swap(stdin_fd_, o.stdin_fd_);
  std::swap(status_, o.status_);
  std::swap(log_, o.log_);
  return *this;
}

Process::~Process() {
  if (pid_ > 0 && status_ < 0) stop(2000);
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
}

bool Process::running() {
  if (pid_ <= 0 || status_ >= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = decode_status(status);
    return false;
  }
  return true;
}

void Process::signal(int sig) const {
  if (pid_ > 0 && status_ < 0) ::kill(pid_, sig);
}

void Process::send(const std::string& line) const {
  if (stdin_fd_ < 0) return;
  const std::string l = line + "\n";
  [[maybe_unused]] const ssize_t n = ::write(stdin_fd_, l.data(), l.size());
}

int Process::wait(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return stop(2000);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status_;
}

int Process::stop(int grace_ms) {
  if (!running()) return status_;
  // `ip netns exec` execs the command itself (no intermediate process), so the PID is the
  // program's own.
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      status_ = decode_status(status);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace phantasm::netns
