// ProbeTracker: the books of one direction of probe traffic. The sender asks it for each
// probe's sequence number; the receiver hands it every datagram it gets. At any point it gives
// exact counts per flow and in total:
//   sent        probes issued
//   delivered   datagrams received intact (duplicates included)
//   unique      distinct probes received
//   lost        sent - unique
//   duplicated  delivered - unique
//   reordered   arrivals of a new probe after a higher sequence number of the same flow
//   misrouted   intact probes that arrived on another flow's socket
//   corrupted   datagrams that failed the probe check (not attributed to a flow)
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "harness/memwire/probe.h"

namespace phantasm::memwire {

struct ProbeCounts {
  uint64_t sent = 0;
  uint64_t delivered = 0;
  uint64_t unique = 0;
  uint64_t duplicated = 0;
  uint64_t reordered = 0;
  uint64_t misrouted = 0;
  uint64_t corrupted = 0;

  uint64_t lost() const { return sent - unique; }
  ProbeCounts& operator+=(const ProbeCounts& o);
};

class ProbeTracker {
 public:
  // The next sequence number of `flow`, counted as sent.
  uint32_t issue(uint32_t flow);

  // A datagram arrived. `expected_flow` is the flow the receiving socket belongs to, when the
  // receiver knows it. Returns the probe when it was intact.
  std::optional<ProbeId> on_received(std::span<const uint8_t> datagram,
                                     std::optional<uint32_t> expected_flow = std::nullopt);

  size_t flow_count() const { return flows_.size(); }
  ProbeCounts flow(uint32_t flow) const;
  ProbeCounts total() const;
  // How many copies of (flow, seq) arrived.
  uint32_t copies(ProbeId id) const;

 private:
  struct FlowBooks {
    ProbeCounts counts;
    std::vector<uint32_t> copies;  // indexed by seq
    std::optional<uint32_t> highest;
  };
  FlowBooks& books(uint32_t flow);

  std::vector<FlowBooks> flows_;
  uint64_t corrupted_ = 0;
  uint64_t unknown_ = 0;  // intact probes never issued: counted as corrupted
};

}  // namespace phantasm::memwire
