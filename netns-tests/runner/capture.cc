#include "netns-tests/runner/capture.h"

#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "netns-tests/runner/capture_analysis.h"

namespace phantasm::netns {
namespace {

int64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

enum class Role { kWire, kEcho, kSink, kSent };

struct Handle {
  std::string iface;
  Role role = Role::kWire;
  pcap_t* pcap = nullptr;
  pcap_dumper_t* dump = nullptr;
  int link_type = 0;
  std::unique_ptr<WireCheck> wire;
  FlowGaps* gaps = nullptr;
  int64_t realtime_minus_monotonic = 0;

  ~Handle() {
    if (dump) pcap_dump_close(dump);
    if (pcap) pcap_close(pcap);
  }
};

// The IP packet inside a captured frame, or an empty span.
std::span<const uint8_t> ip_of(int link_type, const uint8_t* bytes, size_t caplen) {
  size_t skip = 0;
  uint16_t ethertype = 0;
  if (link_type == DLT_EN10MB) {
    if (caplen < 14) return {};
    ethertype = static_cast<uint16_t>(bytes[12] << 8 | bytes[13]);
    skip = 14;
  } else if (link_type == DLT_LINUX_SLL) {
    if (caplen < 16) return {};
    ethertype = static_cast<uint16_t>(bytes[14] << 8 | bytes[15]);
    skip = 16;
  } else if (link_type == DLT_RAW) {
    ethertype = caplen > 0 && bytes[0] >> 4 == 6 ? 0x86DD : 0x0800;
  } else {
    return {};
  }
  if (ethertype != 0x0800 && ethertype != 0x86DD) return {};
  return {bytes + skip, caplen - skip};
}

void on_frame(u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
  Handle& handle = *reinterpret_cast<Handle*>(user);
  if (handle.dump) pcap_dump(reinterpret_cast<u_char*>(handle.dump), h, bytes);
  const std::span<const uint8_t> ip = ip_of(handle.link_type, bytes, h->caplen);
  if (ip.empty()) return;
  if (handle.role == Role::kWire) {
    // The packet's own length on the wire: the frame's, less the link header.
    handle.wire->on_packet(ip, h->len - (h->caplen - ip.size()));
    return;
  }
  // Loopback: IPv4 or IPv6 UDP carrying a udpgen datagram.
  size_t header = 0;
  if (ip[0] >> 4 == 4 && ip.size() >= 20 && ip[9] == 17) header = static_cast<size_t>(ip[0] & 0x0F) * 4;
  else if (ip[0] >> 4 == 6 && ip.size() >= 40 && ip[6] == 17) header = 40;
  else return;
  if (ip.size() < header + 8) return;
  const auto payload = ip.subspan(header + 8);
  const auto id = udpgen_flow(payload, true);
  if (!id || payload.size() < 24) return;
  // Nanosecond precision: tv_usec holds nanoseconds. CLOCK_REALTIME, moved to the runner's clock.
  const int64_t t = static_cast<int64_t>(h->ts.tv_sec) * 1000000000 + h->ts.tv_usec - handle.realtime_minus_monotonic;
  handle.gaps->on_datagram(*id, t, udpgen_seq(payload));
}

pcap_t* open_handle(const std::string& iface, int snaplen, const std::string& filter) {
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(iface.c_str(), err);
  if (!p) throw std::runtime_error("pcap_create " + iface + ": " + err);
  pcap_set_snaplen(p, snaplen);
  pcap_set_promisc(p, 0);
  pcap_set_immediate_mode(p, 1);
  pcap_set_buffer_size(p, 32 << 20);
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
  const int rc = pcap_activate(p);
  if (rc < 0) {
    const std::string why = pcap_geterr(p);
    pcap_close(p);
    throw std::runtime_error("pcap_activate " + iface + ": " + why);
  }
  bpf_program program{};
  if (pcap_compile(p, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) < 0 || pcap_setfilter(p, &program) < 0) {
    const std::string why = pcap_geterr(p);
    pcap_close(p);
    throw std::runtime_error("pcap filter '" + filter + "' on " + iface + ": " + why);
  }
  pcap_freecode(&program);
  if (pcap_setnonblock(p, 1, err) < 0) {
    pcap_close(p);
    throw std::runtime_error(std::string("pcap_setnonblock: ") + err);
  }
  return p;
}

}  // namespace

int run_capture(int argc, char** argv) {
  CLI::App app("Captures a namespace's links and loopback for the runner's checks", "phantasm netns capture");
  std::vector<std::string> wires;
  std::string json_file, pcap_prefix;
  int echo_port = 0, sink_port = 0, sent_port = 0;
  uint16_t tunnel_port = 4567;
  app.add_option("--wire", wires, "a link to check (repeatable)");
  app.add_option("--echo-port", echo_port, "loopback: time datagrams from this UDP port (echoes)");
  app.add_option("--sink-port", sink_port, "loopback: time datagrams to this UDP port (the sink)");
  app.add_option("--sent-port", sent_port, "loopback: time datagrams to this UDP port (the tunnel's entry)");
  app.add_option("--tunnel-port", tunnel_port, "the fake TCP's server port");
  app.add_option("--json", json_file, "result file")->required();
  app.add_option("--pcap", pcap_prefix, "also write PREFIX-IFACE.pcap");
  CLI11_PARSE(app, argc, argv);

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

  FlowGaps echo_gaps, sink_gaps, sent_gaps;
  std::vector<std::unique_ptr<Handle>> handles;
  try {
    const int64_t offset = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
    auto add = [&](const std::string& iface, Role role, int snaplen, const std::string& filter) {
      auto h = std::make_unique<Handle>();
      h->iface = iface;
      h->role = role;
      h->pcap = open_handle(iface, snaplen, filter);
      h->link_type = pcap_datalink(h->pcap);
      h->realtime_minus_monotonic = offset;
      if (role == Role::kWire) h->wire = std::make_unique<WireCheck>(tunnel_port);
      h->gaps = role == Role::kEcho ? &echo_gaps : role == Role::kSink ? &sink_gaps : &sent_gaps;
      if (!pcap_prefix.empty()) {
        const std::string file = pcap_prefix + "-" + iface + (role == Role::kWire ? "" : role == Role::kEcho ? "-echo" : role == Role::kSink ? "-sink" : "-sent") + ".pcap";
        h->dump = pcap_dump_open(h->pcap, file.c_str());
        if (!h->dump) throw std::runtime_error("pcap_dump_open " + file + ": " + pcap_geterr(h->pcap));
      }
      handles.push_back(std::move(h));
    };
    for (const std::string& w : wires) add(w, Role::kWire, 65535, "ip or ip6");
    if (echo_port > 0) add("lo", Role::kEcho, 128, "udp src port " + std::to_string(echo_port));
    if (sink_port > 0) add("lo", Role::kSink, 128, "udp dst port " + std::to_string(sink_port));
    if (sent_port > 0) add("lo", Role::kSent, 128, "udp dst port " + std::to_string(sent_port));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "capture: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "capture: ready\n");
  std::fflush(stderr);

  std::vector<pollfd> fds;
  for (const auto& h : handles) fds.push_back({pcap_get_selectable_fd(h->pcap), POLLIN, 0});
  fds.push_back({sfd, POLLIN, 0});
  for (;;) {
    ::poll(fds.data(), fds.size(), 100);
    if (fds.back().revents) break;
    for (size_t i = 0; i < handles.size(); ++i) {
      pcap_dispatch(handles[i]->pcap, -1, on_frame, reinterpret_cast<u_char*>(handles[i].get()));
    }
  }
  nlohmann::json wire = nlohmann::json::object(), connections = nlohmann::json::object();
  uint64_t dropped = 0;
  for (const auto& h : handles) {
    while (pcap_dispatch(h->pcap, -1, on_frame, reinterpret_cast<u_char*>(h.get())) > 0) {
    }
    pcap_stat st{};
    if (pcap_stats(h->pcap, &st) == 0) dropped += st.ps_drop;
    if (h->role != Role::kWire) continue;
    nlohmann::json j = h->wire->stats().to_json();
    j["pcap_drops"] = st.ps_drop;
    wire[h->iface] = j;
    connections[h->iface] = h->wire->connections_json();
  }
  const nlohmann::json out = {{"wire", wire},
                              {"connections", connections},
                              {"pcap_drops", dropped},
                              {"flows", {{"echo", echo_gaps.to_json()}, {"sink", sink_gaps.to_json()}, {"sent", sent_gaps.to_json()}}}};
  std::ofstream(json_file) << out.dump() << "\n";
  return 0;
}

}  // namespace phantasm::netns
