// What a receiver knows about one flow, or about many flows added together.
//
// Identities that always hold (the tests check them):
//   received  = delivered + corrupted + duplicated + stale + untracked
//   lost      = sent - delivered (never negative)
//   reordered <= delivered (a reordered datagram is delivered, just late)
#pragma once

#include <array>
#include <cstdint>

#include "harness/traffic/format/datagram.h"

namespace phantasm::traffic {

// How a receiver learnt how many datagrams were sent.
enum class SentSource : uint8_t {
  known,     // the sender's own count, or every flow's end-of-flow datagram arrived
  inferred,  // highest sequence number + 1: losses after the last arrival are not seen
};

struct TrafficCounts {
  uint64_t sent = 0;
  uint64_t received = 0;    // data datagrams that arrived, intact or not (no end-of-flow ones)
  uint64_t delivered = 0;   // distinct intact data datagrams
  uint64_t corrupted = 0;   // rejected by decode_datagram, or misdirected
  uint64_t duplicated = 0;  // intact copies of a sequence number already delivered
  uint64_t reordered = 0;   // delivered after a higher sequence number of the same flow
  uint64_t stale = 0;       // older than the reorder window: cannot tell duplicate from late
  uint64_t untracked = 0;   // intact, but the receiver was already tracking its maximum of flows
  uint64_t lost = 0;
  uint64_t delivered_bytes = 0;
  uint64_t first_arrival_ns = 0;  // of any datagram counted in `received`; 0 = none yet
  uint64_t last_arrival_ns = 0;
  SentSource sent_source = SentSource::known;
  std::array<uint64_t, kDefectCount> defects{};  // `corrupted`, by reason

  // Adds another flow's counts (sums; arrival window is the union; `inferred` wins).
  TrafficCounts& operator+=(const TrafficCounts& other);

  // Nothing lost, corrupted, duplicated, stale or untracked. Reordering is allowed.
  bool lossless() const {
    return lost == 0 && corrupted == 0 && duplicated == 0 && stale == 0 && untracked == 0;
  }
};

}  // namespace phantasm::traffic
