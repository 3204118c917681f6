// Linux NAT on top of the conntrack table: the first packet of a connection decides a binding
// (nf_nat_setup_info: a new reply tuple), every later packet of either direction is rewritten
// from the entry's tuples (nf_nat_packet). Source NAT (MASQUERADE, SNAT) follows Linux's tuple
// choice: keep the source port when the result is unique and in range; otherwise reuse the
// mapping another connection from the same source already has (so a source keeps its external
// port whatever the destination: endpoint-independent mapping, RFC 4787/5382 REQ-1); otherwise
// search the range from a random offset. Destination NAT (the server's DNAT) keeps the port.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "engine/core/rng.h"
#include "sim/model/conntrack_table.h"

namespace phantasm::sim {

struct PortSpan {
  uint16_t first = 0;
  uint16_t last = 0;
  bool contains(uint16_t p) const { return p >= first && p <= last; }
};

enum class NatManip : uint8_t { kSource, kDestination };

// A NAT binding request for a new connection.
struct NatTarget {
  IpAddress address;
  std::optional<PortSpan> ports;  // nothing: any port, the source's if possible
};

class Nat {
 public:
  explicit Nat(uint64_t seed) : rng_(seed ^ 0x4E41544E41544E41ull) {}

  // Decides the `manip` binding of a new, unconfirmed entry (or a null binding when `target`
  // is nothing: the manip is done, nothing changes). Returns false when no unique tuple exists.
  bool bind(ConntrackTable& table, CtEntry& e, NatManip manip, const std::optional<NatTarget>& target, Time now);

  // Rewrites a packet of entry `e` travelling `dir` at a hook that does `manip`
  // (PRE_ROUTING/LOCAL_OUT: destination; POST_ROUTING/LOCAL_IN: source).
  static void apply(const CtEntry& e, CtDir dir, NatManip manip, std::span<uint8_t> bytes, IpPacket& p);

 private:
  Rng rng_;
};

}  // namespace phantasm::sim
