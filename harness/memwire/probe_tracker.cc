#include "harness/memwire/probe_tracker.h"

namespace phantasm::memwire {

ProbeCounts& ProbeCounts::operator+=(const ProbeCounts& o) {
  sent += o.sent;
  delivered += o.delivered;
  unique += o.unique;
  duplicated += o.duplicated;
  reordered += o.reordered;
  misrouted += o.misrouted;
  corrupted += o.corrupted;
  return *this;
}

ProbeTracker::FlowBooks& ProbeTracker::books(uint32_t flow) {
  if (flow >= flows_.size()) flows_.resize(static_cast<size_t>(flow) + 1);
  return flows_[flow];
}

uint32_t ProbeTracker::issue(uint32_t flow) {
  FlowBooks& b = books(flow);
  const auto seq = static_cast<uint32_t>(b.copies.size());
  b.copies.push_back(0);
  ++b.counts.sent;
  return seq;
}

std::optional<ProbeId> ProbeTracker::on_received(std::span<const uint8_t> datagram,
                                                 std::optional<uint32_t> expected_flow) {
  const ProbeCheck check = read_probe(datagram);
  if (!check.id) {
    ++corrupted_;
    return std::nullopt;
  }
  const ProbeId id = *check.id;
  if (id.flow >= flows_.size() || id.seq >= flows_[id.flow].copies.size()) {
    // Intact but never sent: only a forged or replayed-from-elsewhere datagram looks like this.
    ++unknown_;
    return std::nullopt;
  }
  FlowBooks& b = flows_[id.flow];
  ++b.counts.delivered;
  if (expected_flow && *expected_flow != id.flow) ++b.counts.misrouted;
  if (b.copies[id.seq]++ > 0) {
    ++b.counts.duplicated;
  } else {
    ++b.counts.unique;
    if (b.highest && id.seq < *b.highest) ++b.counts.reordered;
  }
  if (!b.highest || id.seq > *b.highest) b.highest = id.seq;
  return id;
}

ProbeCounts ProbeTracker::flow(uint32_t flow) const {
  return flow < flows_.size() ? flows_[flow].counts : ProbeCounts{};
}

ProbeCounts ProbeTracker::total() const {
  ProbeCounts sum;
  for (const auto& b : flows_) sum += b.counts;
  sum.corrupted = corrupted_ + unknown_;
  return sum;
}

uint32_t ProbeTracker::copies(ProbeId id) const {
  if (id.flow >= flows_.size() || id.seq >= flows_[id.flow].copies.size()) return 0;
  return flows_[id.flow].copies[id.seq];
}

}  // namespace phantasm::memwire
