// Round-trip times in a fixed-size log-linear histogram: 16 linear sub-buckets per power of two,
// so any quantile is reported within 1/16 (~6 %) of the true value, in 8 KiB whatever the count.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace phantasm::traffic {

class LatencyHistogram {
 public:
  void record(uint64_t ns);
  void merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  uint64_t mean() const { return count_ ? static_cast<uint64_t>(sum_ / count_) : 0; }
  // The lower edge of the bucket holding the q-quantile (0 <= q <= 1), clamped to [min, max];
  // q = 1 gives the exact maximum.
  uint64_t quantile(double q) const;

 private:
  static constexpr unsigned kSubBits = 4;
  static constexpr unsigned kSubBuckets = 1u << kSubBits;
  static constexpr size_t kBuckets = (64 - kSubBits + 1) * kSubBuckets;
  static size_t bucket_of(uint64_t ns);
  static uint64_t lower_edge(size_t bucket);

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;  // 2^64 ns is 584 years of summed round trips
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace phantasm::traffic
