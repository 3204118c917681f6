#include "harness/traffic/format/traffic_receiver.h"

#include <algorithm>

namespace phantasm::traffic {

size_t FlowKeyHash::operator()(const FlowKey& key) const {
  uint64_t h = (uint64_t{key.peer} << 32 | key.session) * 0x9E3779B97F4A7C15ULL;
  h ^= (h >> 29) + key.flow * 0xBF58476D1CE4E5B9ULL;
  return static_cast<size_t>(h ^ (h >> 32));
}

TrafficReceiver::TrafficReceiver(ReceiverLimits limits) : limits_(limits) {}

FlowTracker* TrafficReceiver::tracker_for(const FlowKey& key) {
  if (auto found = index_.find(key); found != index_.end()) return &flows_[found->second].second;
  if (flows_.size() >= limits_.max_flows) return nullptr;
  index_.emplace(key, flows_.size());
  flows_.emplace_back(key, FlowTracker(limits_.reorder_window));
  return &flows_.back().second;
}

ReceivedDatagram TrafficReceiver::on_datagram(uint32_t peer, std::span<const uint8_t> bytes,
                                              uint64_t now_ns) {
  const Decoded decoded = decode_datagram(bytes);
  auto charge_peer = [&](auto&& count) {
    TrafficCounts& c = per_peer_[peer];
    ++c.received;
    if (c.first_arrival_ns == 0) c.first_arrival_ns = now_ns;
    c.last_arrival_ns = std::max(c.last_arrival_ns, now_ns);
    count(c);
  };
  if (!decoded.ok) {
    charge_peer([&](TrafficCounts& c) {
      ++c.corrupted;
      ++c.defects[static_cast<size_t>(decoded.defect)];
    });
    return {Arrival::corrupted, decoded};
  }
  // A warm-up datagram opens no flow: a sender that warms up and then sends nothing is no flow.
  if (decoded.header.kind == DatagramKind::warmup) return {Arrival::warmup, decoded};
  FlowTracker* tracker = tracker_for({peer, decoded.header.session, decoded.header.flow});
  if (tracker == nullptr) {
    if (decoded.header.kind == DatagramKind::data) charge_peer([](TrafficCounts& c) { ++c.untracked; });
    return {Arrival::untracked, decoded};
  }
  const bool was_ended = tracker->ended();
  const Arrival arrival = tracker->on_datagram(decoded, now_ns);
  if (!was_ended && tracker->ended()) ++ended_flows_;
  return {arrival, decoded};
}

void TrafficReceiver::for_each_flow(
    const std::function<void(const FlowKey&, const TrafficCounts&)>& visit) const {
  for (const auto& [key, tracker] : flows_) visit(key, tracker.counts());
}

TrafficCounts TrafficReceiver::totals() const {
  TrafficCounts total;
  for (const auto& entry : flows_) total += entry.second.counts();
  for (const auto& entry : per_peer_) total += entry.second;
  return total;
}

}  // namespace phantasm::traffic
