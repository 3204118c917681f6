#include "harness/traffic/format/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace phantasm::traffic {

// Values below 16 get a bucket each; above, bucket = (exponent group, top 4 bits after the
// leading one). Group g >= 1 holds [2^(g+3), 2^(g+4)).
size_t LatencyHistogram::bucket_of(uint64_t ns) {
  if (ns < kSubBuckets) return static_cast<size_t>(ns);
  const unsigned exponent = 63u - static_cast<unsigned>(std::countl_zero(ns));  // >= kSubBits
  const unsigned group = exponent - kSubBits + 1;
  const uint64_t sub = (ns >> (exponent - kSubBits)) & (kSubBuckets - 1);
  return group * kSubBuckets + static_cast<size_t>(sub);
}

uint64_t LatencyHistogram::lower_edge(size_t bucket) {
  if (bucket < kSubBuckets) return bucket;
  const unsigned group = static_cast<unsigned>(bucket / kSubBuckets);
  const uint64_t sub = bucket % kSubBuckets;
  const unsigned exponent = group + kSubBits - 1;
  return (uint64_t{1} << exponent) | (sub << (exponent - kSubBits));
}

void LatencyHistogram::record(uint64_t ns) {
  ++buckets_[bucket_of(ns)];
  ++count_;
  sum_ += ns;
  min_ = std::min(min_, ns);
  max_ = std::max(max_, ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the wanted sample, 1-based: the smallest r with r >= q * count.
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  if (rank >= count_) return max_;  // the largest sample is known exactly
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::clamp(lower_edge(i), min_, max_);
  }
  return max_;
}

}  // namespace phantasm::traffic
