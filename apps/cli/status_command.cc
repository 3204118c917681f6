#include "apps/cli/status_command.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "apps/cli/status_format.h"
#include "apps/daemons/control_path.h"

namespace phantasm::cli {
namespace {

const std::string kDirectory(daemons::kControlDirectory);

struct Answer {
  bool ok = false;
  std::string text;  // the reply, or what went wrong
};

Answer ask(const std::string& path, const std::string& request) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) return {false, "the socket path is too long"};
  std::memcpy(a.sun_path, path.data(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {false, std::string("socket: ") + std::strerror(errno)};
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    int err = errno;
    ::close(fd);
    std::string why = std::strerror(err);
    if (err == ECONNREFUSED) why += " (a stale socket: the daemon is not running)";
    if (err == ENOENT) why += " (is the daemon running? it may use another --control path)";
    if (err == EACCES) why += " (run as root or as a member of the socket's group)";
    return {false, why};
  }
  std::string line = request + "\n";
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    int err = errno;
    ::close(fd);
    return {false, std::string("send: ") + std::strerror(err)};
  }
  std::string reply;
  char chunk[8192];
  for (;;) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return {false, err == EAGAIN ? std::string("no answer within 5 s")
                                   : std::string("recv: ") + std::strerror(err)};
    }
    if (n == 0) break;
    reply.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  return {true, reply};
}

}  // namespace

std::vector<std::string> control_sockets(const std::string& directory) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    struct stat st{};
    const std::string path = entry.path().string();
    if (entry.path().extension() == ".sock" && ::lstat(path.c_str(), &st) == 0 &&
        S_ISSOCK(st.st_mode)) {
      found.push_back(path);
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

int run_status_command(int argc, char** argv) {
  std::string socket_path;
  bool raw_json = false;
  CLI::App app("Shows a running phantasm-client or phantasm-server: its flows (4-tuple, UDP "
               "peer, peer kind, state, age, datagrams and bytes each way) and totals with "
               "drops by reason, asked over the daemon's control socket (--control).",
               "phantasm status");
  app.add_option("-s,--socket", socket_path,
                 "The daemon's control socket (default: the only *.sock in /run/phantasm)");
  app.add_flag("--json", raw_json, "Print the daemon's JSON as it came (schema 1)");
  app.footer(
      "Exit status: 0 the daemon answered; 1 cannot connect (no daemon running, stale socket, "
      "no permission) or no valid answer; 2 bad usage, or several daemons and no --socket.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "phantasm status: error: " << e.what() << " (try --help)\n";
    return kStatusUsage;
  }

  if (socket_path.empty()) {
    auto sockets = control_sockets(kDirectory);
    if (sockets.empty()) {
      std::cerr << "phantasm status: no daemon running: no control socket in " << kDirectory
                << " (a daemon started with --control PATH needs --socket PATH)\n";
      return kStatusNoDaemon;
    }
    if (sockets.size() > 1) {
      std::cerr << "phantasm status: " << sockets.size() << " daemons in " << kDirectory
                << "; choose one with --socket:\n";
      for (const auto& s : sockets) std::cerr << "  phantasm status --socket " << s << "\n";
      return kStatusUsage;
    }
    socket_path = sockets.front();
  }

  Answer answer = ask(socket_path, "status");
  if (!answer.ok) {
    std::cerr << "phantasm status: cannot connect to " << socket_path << ": " << answer.text
              << "\n";
    return kStatusNoDaemon;
  }
  nlohmann::json status = nlohmann::json::parse(answer.text, nullptr, false);
  if (status.is_discarded() || !status.is_object()) {
    std::cerr << "phantasm status: " << socket_path << " did not answer with JSON\n";
    return kStatusNoDaemon;
  }
  if (status.contains("error")) {
    std::cerr << "phantasm status: the daemon says: " << status["error"].dump() << "\n";
    return kStatusNoDaemon;
  }
  if (raw_json) {
    std::cout << status.dump(2) << "\n";
  } else {
    std::cout << format_status_table(status);
  }
  return kStatusOk;
}

}  // namespace phantasm::cli
