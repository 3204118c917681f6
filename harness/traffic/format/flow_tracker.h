// Receiver-side bookkeeping for one flow: classifies every arrival and counts losses at the end.
//
// Memory is bounded: a bitmap remembers which of the last `window` sequence numbers (below the
// highest seen) were delivered. A datagram older than that cannot be told apart from a
// duplicate, so it is counted as `stale` rather than guessed at.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "harness/traffic/format/datagram.h"
#include "harness/traffic/format/traffic_counts.h"

namespace phantasm::traffic {

inline constexpr uint32_t kDefaultReorderWindow = 1u << 14;

enum class Arrival : uint8_t {
  in_order,     // new, and the highest sequence number so far (gaps before it may be losses)
  reordered,    // new, but a higher sequence number arrived earlier
  duplicate,    // this sequence number was already delivered
  stale,        // further behind the highest than the window remembers
  corrupted,    // rejected (see Defect)
  end_of_flow,  // the sender's closing count, not data
  warmup,       // a warm-up datagram: not data, not counted
  untracked,    // intact, but a TrafficReceiver had no room for another flow
};

class FlowTracker {
 public:
  // `window` is rounded up to a multiple of 64 (at least 64).
  explicit FlowTracker(uint32_t window = kDefaultReorderWindow);

  // One arrival at `now_ns`, already decoded. Intact data is classified by its sequence number,
  // an end-of-flow datagram records the sender's count, a warm-up datagram is ignored, anything
  // else counts as corrupted.
  Arrival on_datagram(const Decoded& decoded, uint64_t now_ns);

  // Counts a datagram that was intact but wrong for this flow (see Defect::misdirected).
  void on_rejected(Defect defect, uint64_t now_ns);

  // The sender's own count of data datagrams, when the receiver has it (echo mode).
  void set_sent(uint64_t sent) { sent_ = sent; }

  // Counts so far; `lost` uses the sender's count when known, else highest seq + 1.
  TrafficCounts counts() const;

  bool ended() const { return sent_.has_value(); }

 private:
  Arrival on_data(uint64_t seq, size_t bytes);
  void note_arrival(uint64_t now_ns);
  bool test_bit(uint64_t seq) const;
  void set_bit(uint64_t seq);
  void clear_bit(uint64_t seq);

  std::vector<uint64_t> window_bits_;
  uint64_t window_ = 0;
  uint64_t next_seq_ = 0;  // highest seq seen + 1; 0 until the first data datagram
  std::optional<uint64_t> sent_;
  TrafficCounts counts_;
};

}  // namespace phantasm::traffic
