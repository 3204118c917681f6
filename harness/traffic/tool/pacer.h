// Paces sends to a target rate with a token bucket, so batches can be sent back to back while
// the long-run rate stays on target.
//
// Tokens are packets or bits, by the rate's unit. The bucket holds at most `burst` worth of
// time (5 ms by default), so a sender that was descheduled catches up by at most that much:
// it does not blast out seconds of backlog, and the report then shows the rate it achieved.
#pragma once

#include <cstdint>

#include "harness/traffic/tool/units.h"

namespace phantasm::traffic {

class Pacer {
 public:
  Pacer(Rate rate, uint64_t start_ns, uint64_t burst_ns = 5'000'000);

  // Takes the tokens for one datagram of `bytes` if the bucket has them at `now_ns`.
  bool try_take(uint32_t bytes, uint64_t now_ns);
  // Returns tokens for a datagram that was taken but not sent after all.
  void give_back(uint32_t bytes);

  // When the bucket will hold enough for `datagrams` datagrams of `bytes` each (so the caller
  // can sleep once per batch rather than once per datagram). `now_ns` if it already does.
  uint64_t ready_at(uint32_t datagrams, uint32_t bytes, uint64_t now_ns);

 private:
  double cost(uint32_t bytes) const;
  void refill(uint64_t now_ns);

  Rate rate_;
  double tokens_;
  double capacity_;
  uint64_t last_ns_;
};

}  // namespace phantasm::traffic
