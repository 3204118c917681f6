#include "harness/traffic/format/flow_tracker.h"

#include <algorithm>

namespace phantasm::traffic {

FlowTracker::FlowTracker(uint32_t window)
    : window_bits_((std::max<uint32_t>(window, 64) + 63) / 64, 0),
      window_(window_bits_.size() * 64) {}

Arrival FlowTracker::on_datagram(const Decoded& decoded, uint64_t now_ns) {
  if (!decoded.ok) {
    on_rejected(decoded.defect, now_ns);
    return Arrival::corrupted;
  }
  if (decoded.header.kind == DatagramKind::warmup) return Arrival::warmup;
  if (decoded.header.kind == DatagramKind::end_of_flow) {
    sent_ = decoded.header.seq;
    return Arrival::end_of_flow;
  }
  note_arrival(now_ns);
  return on_data(decoded.header.seq, decoded.size);
}

void FlowTracker::on_rejected(Defect defect, uint64_t now_ns) {
  note_arrival(now_ns);
  ++counts_.corrupted;
  ++counts_.defects[static_cast<size_t>(defect)];
}

void FlowTracker::note_arrival(uint64_t now_ns) {
  ++counts_.received;
  if (counts_.first_arrival_ns == 0) counts_.first_arrival_ns = now_ns;
  counts_.last_arrival_ns = std::max(counts_.last_arrival_ns, now_ns);
}

Arrival FlowTracker::on_data(uint64_t seq, size_t bytes) {
  if (seq >= next_seq_) {
    // Slide the window forward: forget the bits that now fall out of it, i.e. clear the slots
    // of [next_seq_, seq] (which alias the oldest remembered ones), then mark `seq`.
    if (seq - next_seq_ >= window_) {
      std::fill(window_bits_.begin(), window_bits_.end(), 0);
    } else {
      for (uint64_t s = next_seq_; s <= seq; ++s) clear_bit(s);
    }
    set_bit(seq);
    next_seq_ = seq + 1;
    ++counts_.delivered;
    counts_.delivered_bytes += bytes;
    return Arrival::in_order;
  }
  if (next_seq_ - seq > window_) {
    ++counts_.stale;
    return Arrival::stale;
  }
  if (test_bit(seq)) {
    ++counts_.duplicated;
    return Arrival::duplicate;
  }
  set_bit(seq);
  ++counts_.delivered;
  ++counts_.reordered;
  counts_.delivered_bytes += bytes;
  return Arrival::reordered;
}

TrafficCounts FlowTracker::counts() const {
  TrafficCounts c = counts_;
  c.sent = sent_.value_or(next_seq_);
  c.sent_source = sent_ ? SentSource::known : SentSource::inferred;
  c.lost = c.sent > c.delivered ? c.sent - c.delivered : 0;
  return c;
}

bool FlowTracker::test_bit(uint64_t seq) const {
  const uint64_t slot = seq % window_;
  return (window_bits_[slot / 64] >> (slot % 64)) & 1;
}
void FlowTracker::set_bit(uint64_t seq) {
  const uint64_t slot = seq % window_;
  window_bits_[slot / 64] |= uint64_t{1} << (slot % 64);
}
void FlowTracker::clear_bit(uint64_t seq) {
  const uint64_t slot = seq % window_;
  window_bits_[slot / 64] &= ~(uint64_t{1} << (slot % 64));
}

}  // namespace phantasm::traffic
