// The scenario model: one YAML file of scenarios/ as plain values. A scenario is a path (client
// host, middleboxes in order, server host), what each middlebox does in the portable vocabulary
// of DESIGN.md §6, the traffic, events over time, and the verdict Phantasm is expected to get.
// Both hosts read it: netns-tests/ (real nftables and conntrack plus the NFQUEUE relay) and
// sim/ (ns-3 with the same middlebox models). Parsing is in parse.h, cross-checks in validate.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace phantasm::scenario {

using Millis = std::chrono::milliseconds;

// Where a value came from, for messages that point at the file.
struct SourceMark {
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
};

enum class Family : uint8_t { kIpv4, kIpv6 };

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

// Conntrack sysctls of one namespace (middleboxes.md §B.3); unset keeps the kernel default.
struct ConntrackSettings {
  std::optional<bool> be_liberal;
  std::optional<bool> loose;
  std::optional<bool> ignore_invalid_rst;
  std::optional<int> max_retrans;
  std::optional<Millis> timeout_established;
  std::optional<Millis> timeout_unacknowledged;
  std::optional<Millis> timeout_max_retrans;
  std::optional<Millis> timeout_syn_sent;
  std::optional<Millis> timeout_close;
};

enum class FirewallProfile : uint8_t {
  kOpen,      // tracks connections, filters nothing
  kStateful,  // new TCP connections must start with a SYN; invalid packets pass (counted)
  kStrict,    // stateful + be_liberal 0, loose 0, invalid dropped (middleboxes.md §B.4 rule 8)
};

struct Firewall {
  FirewallProfile profile = FirewallProfile::kOpen;
  bool drop_invalid = false;
  // Drops new TCP connections beyond this many tracked ones through the box (nft `ct count`):
  // the conntrack table is global here, so pressure is emulated per box.
  std::optional<uint32_t> max_connections;
  ConntrackSettings conntrack;
  SourceMark mark;
};

enum class NatKind : uint8_t { kMasquerade, kSnat };

struct Nat {
  NatKind kind = NatKind::kMasquerade;
  std::optional<PortRange> ports;  // external source ports the NAT may choose
  SourceMark mark;
};

// Which handshake segments a per-segment rule applies to.
struct HandshakeSegments {
  bool syn = true;
  bool syn_ack = true;
};

enum class Realisation : uint8_t { kKernel, kRelay };

// Removes TCP options by kind (replaced by NOPs: lengths and offsets stay).
struct OptionStrip {
  std::vector<uint8_t> kinds;
  HandshakeSegments on;
  bool all_segments = false;  // strip from every segment, not only SYN / SYN-ACK
  Realisation via = Realisation::kKernel;
  SourceMark mark;
};

// Rewrites (or inserts, like Linux TCPMSS) the MSS option of SYN and SYN-ACK.
struct MssClamp {
  uint16_t mss = 0;
  SourceMark mark;
};

// ISN randomisation (Cisco ASA): constant offsets added to each side's sequence numbers.
struct IsnRewrite {
  std::optional<uint32_t> client_offset;  // drawn from the seed when unset
  std::optional<uint32_t> server_offset;
  SourceMark mark;
};

enum class RstMode : uint8_t { kBlind, kInWindow };
enum class Towards : uint8_t { kClient, kServer, kBoth };

// Spoofed resets. Injected at `inject_rst` events, and every `every` if set.
struct RstInjection {
  RstMode mode = RstMode::kInWindow;
  Towards towards = Towards::kBoth;
  std::optional<Millis> every;
  SourceMark mark;
};

// A TCP normaliser (ASA, pf scrub, IDS stream reassembly).
struct Normaliser {
  bool drop_conflicting_retransmissions = true;  // same seq, different bytes
  bool block_above_hole = false;                 // C.11: only contiguous streams pass
  SourceMark mark;
};

// DPI that resets a connection whose first payload does not start like an allowed protocol.
struct Dpi {
  std::vector<std::string> allow_prefixes;  // bytes; YAML escapes (\x16\x03) allowed
  SourceMark mark;
};

// Link impairments applied at the box, both directions, by the relay's seeded models.
struct Impairments {
  double loss = 0;       // probability per packet
  Millis delay{0};       // added one way
  Millis jitter{0};      // uniform extra delay in [0, jitter]: reorders packets
  double duplicate = 0;  // probability per packet
  SourceMark mark;
};

// Linux-only extras with no portable form, applied after everything else in the box's namespace.
struct LinuxOverride {
  std::string nft;                           // an nft script (nft -f)
  std::vector<std::string> sysctls;          // "net.netfilter.x=1"
  std::vector<std::string> commands;         // argv strings run in the namespace (sh -c)
};

struct Middlebox {
  std::string name;
  std::optional<Firewall> firewall;
  std::optional<Nat> nat;
  std::optional<OptionStrip> strip_options;
  std::optional<MssClamp> mss_clamp;
  std::optional<IsnRewrite> isn_rewrite;
  std::optional<RstInjection> rst_injection;
  std::optional<Normaliser> normaliser;
  std::optional<Dpi> dpi;
  std::optional<Impairments> impairments;
  std::optional<uint16_t> mtu;  // of the box's server-side link
  bool drop_icmp = false;       // C.16: ICMP errors filtered
  std::optional<LinuxOverride> linux_override;
  SourceMark mark;

  // Whether any of its behaviour needs the userspace relay (not the kernel).
  bool needs_relay() const;
};

// An end host: the README's rules (client MASQUERADE, server DNAT) come from the tunnel; the
// host may add its own firewall and conntrack settings (its conntrack tracks the fake TCP too).
struct Host {
  std::optional<Firewall> firewall;
  std::optional<LinuxOverride> linux_override;
};

enum class Direction : uint8_t {
  kUp,    // client to server only
  kBoth,  // the server side echoes every datagram back
};

// One group of udpgen flows.
struct FlowGroup {
  std::string name;
  uint32_t flows = 1;
  std::string rate = "200pps";  // total over the group's flows, udpgen's units
  std::string size = "64-1400";
  Direction direction = Direction::kBoth;
  Millis start{0};
  Millis duration{10000};
  SourceMark mark;
};

enum class EventKind : uint8_t {
  kFlushConntrack,  // conntrack -F in a namespace
  kRebindNat,       // a NAT moves to other external ports (and forgets its mappings)
  kRestartServer,   // the server daemon stops, stays down, starts again
  kRestartClient,
  kIdle,            // all traffic pauses
  kInjectRst,       // a box's RST injector fires once
};

struct Event {
  EventKind kind = EventKind::kIdle;
  Millis at{0};
  std::string target;              // middlebox or host name ("client", "server")
  Millis length{0};                // idle: how long; restart: how long down
  std::optional<PortRange> ports;  // rebind: the new external ports
  bool disrupts = false;           // recovery time is measured from this event
  SourceMark mark;
};

enum class Verdict : uint8_t {
  kPass,
  kFail,
  kIncompatible,  // the middlebox defeats any fake TCP without retransmission (C.11)
};

// A quantity the verdict is judged on: within [min, max]; `tolerance` says how far two runs
// (netns and ns-3, or two tunnels) may differ and still agree.
struct Check {
  std::string quantity;  // see kQuantities in expectation.h
  std::optional<double> min;
  std::optional<double> max;
  std::optional<double> tolerance;
  std::vector<std::string> where;  // namespaces for invalid / conntrack checks
  SourceMark mark;
};

struct Expectation {
  Verdict verdict = Verdict::kPass;
  std::string because;  // required unless pass
  std::vector<Check> checks;
};

struct Scenario {
  std::string file;
  std::string name;
  std::string summary;
  std::string catalogue;  // "C.1", "README", ... for the table in scenarios/README.md
  Family family = Family::kIpv4;
  uint64_t seed = 1;
  bool quick = false;  // part of the ctest subset
  Host client;
  std::vector<Middlebox> middleboxes;
  Host server;
  std::vector<FlowGroup> traffic;
  std::vector<Event> events;
  Expectation expect;
  // Verdicts expected of other tunnels, by name ("phantun", "udp2raw"), for the matrix.
  std::vector<std::pair<std::string, Verdict>> expect_foreign;

  // When the last flow group ends, idle events included.
  Millis traffic_end() const;
  const Middlebox* find_middlebox(std::string_view box_name) const;
};

std::string_view to_string(Verdict v);
std::string_view to_string(Family f);
std::string_view to_string(EventKind k);
std::string_view to_string(FirewallProfile p);

}  // namespace phantasm::scenario
