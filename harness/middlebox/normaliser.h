// A TCP normaliser (ASA, pf scrub, IDS stream reassembly; middleboxes.md C.9, C.11).
//   drop_conflicting_retransmissions: a data segment that covers sequence space already seen
//     with different bytes (or a different extent it cannot compare) is dropped. A fake TCP
//     that never reuses sequence space is untouched.
//   block_above_hole: only a contiguous stream passes; data beyond a gap waits for the gap to be
//     filled, i.e. for a retransmission. A fake TCP never retransmits, so after the first loss
//     in front of the box nothing more gets through (C.11: "incompatible" by construction).
// Memory is bounded per connection (the most recent segments) and in connections.
#pragma once

#include <deque>
#include <map>

#include "harness/middlebox/flow_table.h"
#include "harness/middlebox/model.h"

namespace phantasm::middlebox {

struct NormaliserConfig {
  bool drop_conflicting_retransmissions = true;
  bool block_above_hole = false;
  size_t remembered_segments = 256;  // per connection and direction
};

class Normaliser : public Model {
 public:
  explicit Normaliser(NormaliserConfig config) : config_(config) {}

  void on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out) override;
  std::string_view name() const override { return "normaliser"; }

  uint64_t conflicts_dropped() const { return conflicts_dropped_; }
  uint64_t above_hole_dropped() const { return above_hole_dropped_; }

 private:
  struct SeenSegment {
    uint32_t seq;
    uint32_t length;
    uint64_t hash;
  };
  struct Stream {
    std::deque<SeenSegment> recent;
    bool contiguous_known = false;
    uint32_t contiguous_end = 0;  // the first byte not yet seen in order
  };

  bool conflicts(const Stream& s, uint32_t seq, uint32_t length, uint64_t hash) const;

  NormaliserConfig config_;
  std::map<std::pair<FlowKey, Direction>, Stream> streams_;
  uint64_t conflicts_dropped_ = 0;
  uint64_t above_hole_dropped_ = 0;
};

}  // namespace phantasm::middlebox
