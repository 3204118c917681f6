// Datagram sizes (UDP payload bytes, the udpgen header included) drawn per datagram:
//
//   1400                 every datagram 1400 bytes
//   64-1400              uniform over the range, inclusive
//   64,576,1400          one of the listed sizes, each equally likely
//   64:7,576:4,1400:1    weighted (this one is the classic "simple IMIX" mix)
//
// Draws come from a seeded generator, so a run's sequence of sizes is reproducible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/rng.h"

namespace phantasm::traffic {

class SizeDistribution {
 public:
  // Throws UsageError for bad syntax or a size outside [kMinDatagramSize, kMaxDatagramSize].
  static SizeDistribution parse(std::string_view text);
  static SizeDistribution fixed(uint32_t size);

  uint32_t draw(Rng& rng) const;
  uint32_t min() const { return min_; }
  uint32_t max() const { return max_; }
  double mean() const { return mean_; }
  const std::string& text() const { return text_; }

 private:
  struct Choice {
    uint32_t size;
    uint64_t cumulative_weight;  // sum of weights up to and including this choice
  };

  void finish();

  std::string text_;
  uint32_t range_low_ = 0, range_high_ = 0;  // used when choices_ is empty
  std::vector<Choice> choices_;
  uint32_t min_ = 0, max_ = 0;
  double mean_ = 0;
};

}  // namespace phantasm::traffic
