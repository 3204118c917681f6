// What the runner's packet captures check and measure, sans-I/O (packets in, counts out), so
// that the same code runs on libpcap in a namespace (capture.cc) and in unit tests.
//
//   WireCheck     on a link (lan/wan): IPv4 header and TCP checksums, segments without flags or
//                 with FIN but no ACK (INVALID for every conntrack, middleboxes.md §B.1),
//                 packets with a TUN-private source (192.168.200/24, 192.168.201/24, fcc8::/16,
//                 fcc9::/16: conntrack INVALID skips NAT, so they leak), and handshakes: which
//                 fake-TCP connection (client port, client ISN) carried which udpgen flow. A
//                 flow carried by k connections reconnected k-1 times; the count needs no help
//                 from the tunnel, so it works for foreign tunnels too (when their payload is
//                 the plain datagram, as Phantun's is).
//   FlowGaps      on a loopback: udpgen datagrams (and the probe's) arriving at the
//                 application, per flow (session, flow id): when each arrived, and the silences.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace phantasm::netns {

struct WireStats {
  uint64_t packets = 0;            // IPv4/IPv6 packets seen
  uint64_t tcp = 0;                // of them TCP
  uint64_t checksums_checked = 0;  // captured whole, so their checksums could be verified
  uint64_t bad_ip_checksum = 0;
  uint64_t bad_tcp_checksum = 0;
  uint64_t no_flags = 0;           // TCP segment without SYN, ACK, RST or FIN
  uint64_t fin_without_ack = 0;
  uint64_t leaked = 0;             // source address in a TUN-private range
  uint64_t syn = 0;                // SYN without ACK
  uint64_t syn_ack = 0;
  uint64_t rst = 0;
  std::vector<std::string> problems;  // the first few offending packets, described

  nlohmann::json to_json() const;
  static WireStats from_json(const nlohmann::json& j);
  WireStats& operator+=(const WireStats& o);
  uint64_t bad_checksums() const { return bad_ip_checksum + bad_tcp_checksum; }
};

// A udpgen flow as the datagram header names it.
struct FlowId {
  uint32_t session = 0;
  uint32_t flow = 0;
  friend auto operator<=>(const FlowId&, const FlowId&) = default;
};

// The session and flow of a udpgen datagram (or the probe's), read from its first 16 bytes;
// nothing for anything else. `data_only`: only kind 1 (data), not warm-up or end of flow.
std::optional<FlowId> udpgen_flow(std::span<const uint8_t> payload, bool data_only);
// Its sequence number (per flow: 0, 1, 2, ...); the payload must have passed udpgen_flow().
uint64_t udpgen_seq(std::span<const uint8_t> payload);

class WireCheck {
 public:
  // `tunnel_port`: the fake TCP's server port; segments to it come from the client side.
  explicit WireCheck(uint16_t tunnel_port) : tunnel_port_(tunnel_port) {}

  // One IP packet (no link header); `wire_len` is its length on the wire (larger than
  // ip.size() when the capture cut it short: then only the IPv4 header checksum is checked).
  void on_packet(std::span<const uint8_t> ip, size_t wire_len);

  const WireStats& stats() const { return stats_; }
  // Every connection (client port, client ISN) whose SYN was answered by a SYN-ACK, with the
  // udpgen flows whose datagrams it carried client to server.
  nlohmann::json connections_json() const;

 private:
  void problem(const std::string& what, std::span<const uint8_t> ip);

  uint16_t tunnel_port_;
  WireStats stats_;
  struct Connection {
    bool answered = false;
    std::set<FlowId> flows;
  };
  std::map<std::pair<uint16_t, uint32_t>, Connection> connections_;  // (client port, ISN)
  std::map<uint16_t, uint32_t> current_isn_;                          // latest SYN per client port
};

// Reconnects from the client wire's connections (WireCheck::connections_json of one or more
// captures): per udpgen flow, the answered connections that carried it, minus one.
uint64_t count_reconnects(const nlohmann::json& connections);

struct Silence {
  int64_t start_ns = 0;   // the last arrival before it
  int64_t end_ns = 0;     // the first arrival after it
  uint64_t missing = 0;   // sequence numbers skipped across it: datagrams lost (or still late)
};

struct FlowTrace {
  uint64_t count = 0;
  int64_t first_ns = 0;
  int64_t last_ns = 0;
  uint64_t max_seq = 0;
  std::vector<Silence> candidate_gaps;  // silences >= 100 ms
};

class FlowGaps {
 public:
  // Datagram `seq` of `id` reached the application at `t_ns` (CLOCK_MONOTONIC).
  void on_datagram(const FlowId& id, int64_t t_ns, uint64_t seq);
  // Per flow: count, first, last, its silences longer than max(min_gap, 10 x its mean
  // interval) with the datagrams missing across each, and the longest silence.
  nlohmann::json to_json(int64_t min_gap_ns = 500000000) const;
  const std::map<FlowId, FlowTrace>& flows() const { return flows_; }

 private:
  std::map<FlowId, FlowTrace> flows_;
};

// What the runner reads back from FlowGaps JSON (one entry per flow and place).
struct FlowRecord {
  std::string where;  // "echo" (back at the sender), "sink", or "sent" (entering the tunnel)
  FlowId id;
  uint64_t count = 0;
  int64_t first_ns = 0;
  int64_t last_ns = 0;
  int64_t threshold_ns = 0;
  std::vector<Silence> gaps;
};
std::vector<FlowRecord> read_flow_records(const nlohmann::json& flows, const std::string& where);

struct FlowOutage {
  double longest_gap_s = 0;            // the longest silence of any flow while it was sending
  std::string longest_gap_flow;        // "echo 1a2b3c4d/0"
  std::optional<double> recovery_s;    // worst recovery over events and flows; none if one never came back
  std::string worst_recovery_flow;
  std::vector<std::string> unrecovered;  // flows silent from an event to their session's end
  uint64_t flows_timed = 0;
  uint64_t silences_while_idle = 0;    // silences the sender itself made (nothing sent meanwhile)
};

// Per-flow recovery: for each disruptive event, every flow that was sending across it (first
// datagram sent before the event, last after) must deliver again; its recovery is the time
// from the event to the end of its outage that spans the event or starts within `slack_ns`
// after it. A flow silent from then until it stopped sending never came back. An outage is a
// silence across which datagrams went missing: one during which the sender sent nothing, or
// after which everything sent meanwhile still arrived (a stall: the machine did not run the
// tunnel or the sender for a while), is not. `sent` (the senders' own datagrams, timed where
// they enter the tunnel) gives each flow's first and last send; without it each session's
// deliveries stand in.
FlowOutage flow_outage(const std::vector<FlowRecord>& delivered, const std::vector<FlowRecord>& sent,
                       const std::vector<int64_t>& events_ns, int64_t slack_ns);

}  // namespace phantasm::netns
