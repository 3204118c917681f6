// A sink's view of everything it receives: one FlowTracker per (peer, session, flow).
//
// `peer` is an index the caller assigns to each source address (this library does no sockets).
// Corrupted datagrams have no trustworthy header, so they are charged to their peer, not to a
// flow. The number of tracked flows is capped, so a flood of fake sessions costs bounded memory;
// intact datagrams beyond the cap are counted as `untracked`.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

#include "harness/traffic/format/flow_tracker.h"

namespace phantasm::traffic {

struct FlowKey {
  uint32_t peer = 0;
  uint32_t session = 0;
  uint32_t flow = 0;
  bool operator==(const FlowKey&) const = default;
};

struct FlowKeyHash {
  size_t operator()(const FlowKey& key) const;
};

struct ReceiverLimits {
  uint32_t reorder_window = kDefaultReorderWindow;
  size_t max_flows = 65536;
};

struct ReceivedDatagram {
  Arrival arrival;
  Decoded decoded;
};

class TrafficReceiver {
 public:
  explicit TrafficReceiver(ReceiverLimits limits = {});

  ReceivedDatagram on_datagram(uint32_t peer, std::span<const uint8_t> bytes, uint64_t now_ns);

  // Flows that sent their end-of-flow datagram.
  size_t ended_flows() const { return ended_flows_; }
  size_t flow_count() const { return flows_.size(); }

  // Every flow's counts, in first-seen order.
  void for_each_flow(const std::function<void(const FlowKey&, const TrafficCounts&)>& visit) const;
  // Corrupted (and untracked) datagrams charged to each peer that had any.
  const std::unordered_map<uint32_t, TrafficCounts>& peer_counts() const { return per_peer_; }

  // All flows and peers added together.
  TrafficCounts totals() const;

 private:
  FlowTracker* tracker_for(const FlowKey& key);

  ReceiverLimits limits_;
  std::unordered_map<FlowKey, size_t, FlowKeyHash> index_;
  std::vector<std::pair<FlowKey, FlowTracker>> flows_;
  std::unordered_map<uint32_t, TrafficCounts> per_peer_;
  size_t ended_flows_ = 0;
};

}  // namespace phantasm::traffic
