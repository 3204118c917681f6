// The udpgen command line end to end, run as child processes: exit statuses, one-line errors,
// --help, and a sender/sink pair writing JSON.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

struct Result {
  int status = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// A child `phantasm udpgen ARGS...` with stdout and stderr captured in files.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    static int serial = 0;
    const std::string stem = ::testing::TempDir() + "udpgen_cli_" + std::to_string(::getpid()) + "_" + std::to_string(serial++);
    out_path_ = stem + ".out";
    err_path_ = stem + ".err";
    std::vector<std::string> argv_text = {"udpgen"};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int rc = posix_spawn(&pid_, UDPGEN_RUNNER, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) pid_ = -1;
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }

  void signal(int number) {
    if (pid_ > 0) ::kill(pid_, number);
  }

  Result wait() {
    Result result;
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, 0) == pid_) {
      result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    pid_ = -1;
    result.out = slurp(out_path_);
    result.err = slurp(err_path_);
    return result;
  }

 private:
  pid_t pid_ = -1;
  std::string out_path_, err_path_;
};

Result run(const std::vector<std::string>& args) { return Child(args).wait(); }

size_t lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

// A UDP port on 127.0.0.1 that was free a moment ago.
uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// True once something is bound to the port (our own bind then fails with EADDRINUSE).
bool port_taken(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool taken = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno == EADDRINUSE;
  ::close(fd);
  return taken;
}

void wait_until_bound(uint16_t port) {
  for (int attempt = 0; attempt < 500 && !port_taken(port); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(port_taken(port)) << "the sink never bound port " << port;
}

TEST(UdpgenCli, HelpExplainsEveryOptionAndExitsZero) {
  const Result top = run({"--help"});
  EXPECT_EQ(top.status, 0);
  EXPECT_NE(top.out.find("Exit status"), std::string::npos);
  EXPECT_NE(top.out.find("send"), std::string::npos);
  EXPECT_NE(top.out.find("sink"), std::string::npos);

  const Result send = run({"send", "--help"});
  EXPECT_EQ(send.status, 0);
  for (const char* option : {"--target", "--flows", "--rate", "--size", "--duration", "--count", "--echo", "--grace",
                             "--warmup", "--bind", "--json", "--per-flow", "--quiet", "--expect-lossless", "--socket-buffer",
                             "--batch", "--seed", "--reorder-window"}) {
    EXPECT_NE(send.out.find(option), std::string::npos) << option;
  }
  EXPECT_NE(send.out.find("bit/s"), std::string::npos);
  EXPECT_NE(send.out.find("default 10M"), std::string::npos);

  const Result sink = run({"sink", "--help"});
  EXPECT_EQ(sink.status, 0);
  for (const char* option : {"--listen", "--echo", "--duration", "--stop-after-flows", "--max-flows"}) {
    EXPECT_NE(sink.out.find(option), std::string::npos) << option;
  }
}

TEST(UdpgenCli, BadUsageExitsTwoWithOneLine) {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"bogus"},
      {"send"},
      {"send", "--target", "127.0.0.1:9", "--rate", "fast"},
      {"send", "--target", "127.0.0.1:9", "--count", "5", "--duration", "1s"},
      {"send", "--target", "127.0.0.1:9", "--size", "10"},
      {"send", "--target", "127.0.0.1:9", "--flows", "0"},
      {"send", "--target", "localhost"},
      {"send", "--target", "::1:9"},
      {"send", "--target", "127.0.0.1:9", "--count", "0"},
      {"send", "--target", "127.0.0.1:9", "--no-such-option"},
      {"sink", "--listen", "127.0.0.1:9", "--duration", "forever"},
      {"sink", "--listen", "127.0.0.1:9", "--socket-buffer", "12"},
      // A bad value is usage even when the host would not resolve either.
      {"send", "--target", "no-such-host.invalid:9", "--rate", "fast"},
  };
  for (const auto& args : cases) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    const Result r = run(args);
    EXPECT_EQ(r.status, 2) << joined << "\n" << r.err;
    EXPECT_EQ(lines(r.err), 1u) << joined << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("phantasm udpgen: ", 0), 0u) << r.err;
  }
}

TEST(UdpgenCli, UnresolvableHostExitsOne) {
  const Result r = run({"send", "--target", "no-such-host.invalid:9", "--count", "1", "--quiet"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("cannot resolve 'no-such-host.invalid'"), std::string::npos) << r.err;
}

TEST(UdpgenCli, BindFailureExitsOne) {
  const uint16_t port = free_port();
  const int holder = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const Result r = run({"sink", "--listen", "127.0.0.1:" + std::to_string(port), "--duration", "1s", "--quiet"});
  ::close(holder);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("bind 127.0.0.1:" + std::to_string(port)), std::string::npos) << r.err;
}

TEST(UdpgenCli, EchoRunIsLosslessAndBothSidesWriteJson) {
  const uint16_t port = free_port();
  const std::string sink_json = ::testing::TempDir() + "udpgen_sink.json";
  const std::string send_json = ::testing::TempDir() + "udpgen_send.json";
  Child sink({"sink", "--listen", "127.0.0.1:" + std::to_string(port), "--echo", "--stop-after-flows", "2",
              "--duration", "60s", "--json", sink_json, "--quiet", "--expect-lossless"});
  wait_until_bound(port);
  const Result sent = run({"send", "--target", "127.0.0.1:" + std::to_string(port), "--flows", "2", "--count", "1000",
                           "--rate", "10kpps", "--size", "64:3,1400:1", "--echo", "--grace", "10s", "--json", send_json,
                           "--quiet", "--expect-lossless", "--per-flow"});
  EXPECT_EQ(sent.status, 0) << sent.err;
  EXPECT_NE(sent.out.find("echoed"), std::string::npos) << sent.out;
  EXPECT_NE(sent.out.find("  flow 1"), std::string::npos) << sent.out;
  const Result received = sink.wait();
  EXPECT_EQ(received.status, 0) << received.err;

  const auto send_report = nlohmann::json::parse(slurp(send_json));
  EXPECT_EQ(send_report["mode"], "send");
  EXPECT_EQ(send_report["lossless"], true);
  ASSERT_EQ(send_report["directions"].size(), 2u);
  EXPECT_EQ(send_report["directions"][0]["sent"], 2000);
  EXPECT_EQ(send_report["directions"][1]["name"], "echoed");
  EXPECT_EQ(send_report["directions"][1]["delivered"], 2000);
  EXPECT_EQ(send_report["directions"][1]["lost"], 0);
  EXPECT_EQ(send_report["flows"].size(), 2u);

  const auto sink_report = nlohmann::json::parse(slurp(sink_json));
  EXPECT_EQ(sink_report["mode"], "sink");
  EXPECT_EQ(sink_report["directions"][0]["delivered"], 2000);
  EXPECT_EQ(sink_report["directions"][0]["corrupted"], 0);
  EXPECT_EQ(sink_report["directions"][0]["sent_source"], "known");
  EXPECT_EQ(sink_report["directions"][0]["bytes"], send_report["directions"][0]["bytes"]);
}

TEST(UdpgenCli, LossIsDataUnlessLosslessIsExpected) {
  // Nothing listens on the port: every datagram is lost (and the kernel says so with ICMP).
  const std::string target = "127.0.0.1:" + std::to_string(free_port());
  const std::vector<std::string> args = {"send", "--target", target, "--count", "20", "--rate", "10kpps",
                                         "--echo", "--grace", "200ms", "--quiet"};
  const Result plain = run(args);
  EXPECT_EQ(plain.status, 0) << plain.err;
  EXPECT_NE(plain.out.find("NOT lossless"), std::string::npos) << plain.out;

  auto strict_args = args;
  strict_args.push_back("--expect-lossless");
  const Result strict = run(strict_args);
  EXPECT_EQ(strict.status, 3) << strict.err;
  EXPECT_NE(strict.err.find("echoed: 20 of 20 datagrams lost"), std::string::npos) << strict.err;
}

TEST(UdpgenCli, SigtermEndsASinkWithItsReport) {
  const uint16_t port = free_port();
  Child sink({"sink", "--listen", "127.0.0.1:" + std::to_string(port), "--quiet"});
  wait_until_bound(port);
  const Result sent = run({"send", "--target", "127.0.0.1:" + std::to_string(port), "--count", "50", "--quiet"});
  EXPECT_EQ(sent.status, 0) << sent.err;
  sink.signal(SIGTERM);
  const Result received = sink.wait();
  EXPECT_EQ(received.status, 0) << received.err;
  EXPECT_NE(received.out.find("(interrupted), lossless"), std::string::npos) << received.out;
}

TEST(UdpgenCli, JsonOnStdoutMovesTheTableToStderr) {
  const std::string target = "127.0.0.1:" + std::to_string(free_port());
  const Result r = run({"send", "--target", target, "--count", "3", "--quiet", "--json", "-"});
  EXPECT_EQ(r.status, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);  // stdout is only JSON
  EXPECT_EQ(report["directions"][0]["name"], "sent");
  EXPECT_NE(r.err.find("direction"), std::string::npos);
}

}  // namespace
