// The IP path of one Linux network namespace, the way the netns scenarios set them up
// (netns-tests/runner/rules.cc, tunnel.cc): PRE_ROUTING (conntrack, `ct state invalid`
// counter, DNAT), routing, FORWARD (the scenario's firewall: drop invalid, new TCP must be a
// SYN, `ct count` limit, link MTU), POST_ROUTING (MASQUERADE/SNAT, the leak counter,
// confirmation), local delivery (the kernel answers TCP for which it has no socket with a
// RST) and locally generated packets (LOCAL_OUT: conntrack and its counter again).
//
// The same class is the client host (TUN "pt" + "wan", masquerading the TUN's traffic), a
// middlebox router ("lan" + "wan") and the server host ("lan" + TUN, DNAT to the TUN peer):
// every namespace of the netns topology has its own conntrack, as middleboxes.md §B.4 rule 7
// asks. Pure: packets in, packets out through an Emit callback; time as a parameter.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/model/conntrack_table.h"
#include "sim/model/nat.h"

namespace phantasm::sim {

struct IpPrefix {
  IpAddress address;
  uint8_t length = 0;
  bool contains(const IpAddress& a) const;
};

struct NodeInterface {
  std::string name;                  // "wan", "lan", "pt"
  std::vector<IpAddress> addresses;  // local addresses on it (the first of each family is its own)
  uint32_t mtu = 0;                  // 0: no limit modelled
  bool wire = true;                  // a link ("lan"/"wan"), not a TUN: where leaks are counted
  bool up = true;                    // a TUN goes away with its daemon: no routes, no addresses
  std::optional<IpAddress> address_of(IpVersion v) const;
};

struct NodeRoute {
  IpPrefix prefix;
  size_t iface = 0;
};

// nft forward-chain rules of the scenario's firewall (rules.cc apply_firewall).
struct ForwardFirewall {
  bool drop_invalid = false;               // ct state invalid drop
  bool new_must_be_syn = false;            // ct state new, tcp flags != syn: drop
  std::optional<uint32_t> max_connections;  // ct state new ct count over N: drop
};

struct SourceNatRule {
  std::optional<size_t> in_iface;  // iifname (the client's "pt")
  size_t out_iface = 0;            // oifname
  bool masquerade = true;          // the out interface's address; else `to`
  std::vector<IpAddress> to;       // SNAT addresses, one per family
  std::optional<PortSpan> ports;
};

struct DestinationNatRule {
  size_t in_iface = 0;
  uint16_t dport = 0;
  std::vector<IpAddress> to;  // one per family
};

struct NodeConfig {
  std::string label;
  std::vector<NodeInterface> interfaces;
  std::vector<NodeRoute> routes;  // longest prefix wins
  TcpCtSettings conntrack;
  std::optional<ForwardFirewall> firewall;
  std::optional<SourceNatRule> snat;
  std::optional<DestinationNatRule> dnat;
  std::vector<IpPrefix> private_sources;  // sources that must never leave on a wire
  bool kernel_rst = true;                 // local TCP without a socket is answered with RST
};

struct NodeCounters {
  uint64_t received = 0;
  uint64_t forwarded = 0;
  uint64_t delivered_local = 0;
  uint64_t invalid = 0;  // `ct state invalid` at PRE_ROUTING and LOCAL_OUT
  uint64_t leaked = 0;   // a private source left on a wire
  uint64_t dropped_invalid = 0;
  uint64_t dropped_not_syn = 0;
  uint64_t dropped_conn_limit = 0;
  uint64_t dropped_no_route = 0;
  uint64_t dropped_mtu = 0;
  uint64_t dropped_ttl = 0;
  uint64_t dropped_nat = 0;
  uint64_t dropped_malformed = 0;
  uint64_t dropped_clash = 0;
  uint64_t dropped_martian = 0;  // arrived with one of this node's addresses as source  // conntrack insert_failed: a new entry's tuple was taken
  uint64_t kernel_rsts = 0;
};

class NetfilterNode {
 public:
  using Emit = std::function<void(size_t iface, std::vector<uint8_t>&& packet)>;

  NetfilterNode(NodeConfig config, uint64_t seed);

  void set_emit(Emit emit) { emit_ = std::move(emit); }

  // A packet arriving on `iface` (from a link, or written to the TUN by the engine).
  void receive(size_t iface, std::vector<uint8_t> packet, Time now);
  // A packet this namespace makes itself (a raw socket, the kernel's RST): LOCAL_OUT onwards.
  void output(std::vector<uint8_t> packet, Time now);

  // conntrack -F.
  void flush_conntrack() { conntrack_.flush(); }
  // New external ports for the source NAT (the netns runner replaces the rule and flushes).
  void rebind_source_nat(std::optional<PortSpan> ports);

  // A TUN interface comes and goes with its daemon.
  void set_interface_up(size_t iface, bool up) { config_.interfaces[iface].up = up; }

  // Whether conntrack holds an ESTABLISHED [ASSURED] entry for TCP port `port`.
  bool has_assured(uint16_t port, Time now) const;

  const NodeConfig& config() const { return config_; }
  const NodeCounters& counters() const { return counters_; }
  ConntrackTable& conntrack() { return conntrack_; }
  const ConntrackTable& conntrack() const { return conntrack_; }

 private:
  bool is_local(const IpAddress& a) const;
  std::optional<size_t> route(const IpAddress& dst) const;
  bool forward_allowed(const CtLookup& ct, const IpPacket& p, Time now);
  std::optional<NatTarget> source_nat_target(std::optional<size_t> in_iface, size_t out_iface, const IpPacket& p) const;
  void post_routing(std::optional<size_t> in_iface, size_t out_iface, CtLookup& ct, std::vector<uint8_t>& bytes,
                    IpPacket& p, Time now);
  void deliver_local(CtLookup& ct, std::vector<uint8_t>& bytes, IpPacket& p, Time now);
  void emit(size_t iface, std::vector<uint8_t>&& bytes);

  NodeConfig config_;
  ConntrackTable conntrack_;
  Nat nat_;
  NodeCounters counters_;
  Emit emit_;
  Time last_collect_ = Time::zero();
};

// The RST Linux's TCP answers a segment with when no socket wants it (tcp_v4/v6_send_reset);
// nothing for a RST.
std::optional<std::vector<uint8_t>> kernel_reset_for(std::span<const uint8_t> bytes, const IpPacket& p);

}  // namespace phantasm::sim
