#include "netns-tests/runner/probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include "engine/wire/ip_address.h"
#include "harness/scenario/units.h"
#include "harness/traffic/format/datagram.h"

namespace phantasm::netns {
namespace {

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

socklen_t to_sockaddr(const SocketAddress& a, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  const auto bytes = a.ip.bytes();
  if (a.ip.version() == IpVersion::kV4) {
    auto* s = reinterpret_cast<sockaddr_in*>(&out);
    s->sin_family = AF_INET;
    s->sin_port = htons(a.port);
    std::memcpy(&s->sin_addr, bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* s = reinterpret_cast<sockaddr_in6*>(&out);
  s->sin6_family = AF_INET6;
  s->sin6_port = htons(a.port);
  std::memcpy(&s->sin6_addr, bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

}  // namespace

int run_probe(int argc, char** argv) {
  CLI::App app("Recovery probe: one flow, one datagram per interval, echo arrival times", "phantasm netns probe");
  std::string target_text, bind_text, interval_text = "50ms", json_file;
  app.add_option("--target", target_text, "the tunnel's UDP entry, ADDR:PORT")->required();
  app.add_option("--bind", bind_text, "local ADDR:PORT")->required();
  app.add_option("--interval", interval_text, "time between datagrams");
  app.add_option("--json", json_file, "result file")->required();
  CLI11_PARSE(app, argc, argv);
  const auto target = SocketAddress::parse(target_text);
  const auto local = SocketAddress::parse(bind_text);
  const auto interval = scenario::parse_duration(interval_text);
  if (!target || !local || !interval || interval->count() <= 0) {
    std::fprintf(stderr, "probe: bad --target, --bind or --interval\n");
    return 2;
  }
  sockaddr_storage to{}, from{};
  const socklen_t to_len = to_sockaddr(*target, to);
  const socklen_t from_len = to_sockaddr(*local, from);
  const int fd = ::socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&from), from_len) < 0) {
    std::fprintf(stderr, "probe: socket/bind %s: %s\n", bind_text.c_str(), std::strerror(errno));
    return 1;
  }
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

  traffic::DatagramHeader header;
  header.session = std::random_device{}();
  const int64_t interval_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(*interval).count();
  // An outage is a silence of ten intervals (at least half a second): single losses are not.
  const int64_t gap_ns = std::max<int64_t>(10 * interval_ns, 500000000);
  ProbeResult r;
  std::vector<uint8_t> buf(2048);
  int64_t next_send = now_ns();
  for (;;) {
    const int64_t now = now_ns();
    if (now >= next_send) {
      header.seq = r.sent++;
      header.send_ns = static_cast<uint64_t>(now);
      const size_t n = traffic::write_datagram(header, std::span<uint8_t>(buf).first(64));
      ::sendto(fd, buf.data(), n, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&to), to_len);
      next_send += interval_ns;
      if (next_send < now) next_send = now + interval_ns;
    }
    pollfd fds[2] = {{fd, POLLIN, 0}, {sfd, POLLIN, 0}};
    const int64_t wait_ms = std::max<int64_t>(0, (next_send - now_ns()) / 1000000);
    ::poll(fds, 2, static_cast<int>(wait_ms));
    if (fds[1].revents) break;
    if (!(fds[0].revents & POLLIN)) continue;
    for (;;) {
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n <= 0) break;
      const auto d = traffic::decode_datagram(std::span<const uint8_t>(buf).first(static_cast<size_t>(n)));
      if (!d.ok || d.header.session != header.session) continue;
      const int64_t at = now_ns();
      if (r.echoed == 0) r.first_echo_ns = at;
      else if (at - r.last_echo_ns > gap_ns) r.gaps.push_back(ProbeGap{r.last_echo_ns, at});
      r.last_echo_ns = at;
      ++r.echoed;
    }
  }
  nlohmann::json gaps = nlohmann::json::array();
  for (const ProbeGap& g : r.gaps) gaps.push_back({g.start_ns, g.end_ns});
  // A silence still running at the end is an open gap: the flow never came back.
  const bool open_gap = r.echoed > 0 && now_ns() - r.last_echo_ns > gap_ns;
  std::ofstream(json_file) << nlohmann::json{{"sent", r.sent}, {"echoed", r.echoed}, {"first_echo_ns", r.first_echo_ns},
                                             {"last_echo_ns", r.last_echo_ns}, {"gaps", gaps},
                                             {"silent_at_end", open_gap}, {"interval_ns", interval_ns}}
                                  .dump()
                           << "\n";
  return 0;
}

std::optional<ProbeResult> read_probe_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  try {
    const auto j = nlohmann::json::parse(in);
    ProbeResult r;
    r.sent = j.at("sent");
    r.echoed = j.at("echoed");
    r.first_echo_ns = j.at("first_echo_ns");
    r.last_echo_ns = j.at("last_echo_ns");
    for (const auto& g : j.at("gaps")) r.gaps.push_back(ProbeGap{g.at(0), g.at(1)});
    return r;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<double> recovery_seconds(const ProbeResult& r, int64_t event_ns, int64_t slack_ns) {
  for (const ProbeGap& g : r.gaps) {
    if (g.end_ns > event_ns && g.start_ns < event_ns + slack_ns) {
      return static_cast<double>(g.end_ns - event_ns) / 1e9;
    }
  }
  if (r.echoed == 0 || r.last_echo_ns < event_ns) return std::nullopt;  // never came back
  return 0.0;
}

}  // namespace phantasm::netns
