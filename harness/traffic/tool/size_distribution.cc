#include "harness/traffic/tool/size_distribution.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "harness/traffic/format/datagram.h"
#include "harness/traffic/tool/errors.h"

namespace phantasm::traffic {
namespace {

constexpr std::string_view kSyntax = "N, MIN-MAX, N1,N2,... or N1:W1,N2:W2,...";

[[noreturn]] void bad_size(std::string_view text, std::string_view why) {
  throw UsageError(fmt::format("invalid size '{}': {} (expected {})", text, why, kSyntax));
}

uint64_t parse_whole(std::string_view whole_text, std::string_view part) {
  uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
  if (part.empty() || ec != std::errc() || ptr != part.data() + part.size()) {
    bad_size(whole_text, fmt::format("'{}' is not a whole number", part));
  }
  return value;
}

uint32_t parse_size(std::string_view whole_text, std::string_view part) {
  const uint64_t size = parse_whole(whole_text, part);
  if (size < kMinDatagramSize || size > kMaxDatagramSize) {
    bad_size(whole_text, fmt::format("{} is outside {}..{} bytes (the udpgen header is {} bytes)",
                                     size, kMinDatagramSize, kMaxDatagramSize, kHeaderSize));
  }
  return static_cast<uint32_t>(size);
}

}  // namespace

SizeDistribution SizeDistribution::fixed(uint32_t size) {
  return parse(std::to_string(size));
}

SizeDistribution SizeDistribution::parse(std::string_view text) {
  SizeDistribution d;
  d.text_ = std::string(text);
  if (const size_t dash = text.find('-'); dash != std::string_view::npos) {
    d.range_low_ = parse_size(text, text.substr(0, dash));
    d.range_high_ = parse_size(text, text.substr(dash + 1));
    if (d.range_low_ > d.range_high_) bad_size(text, "the range's minimum exceeds its maximum");
    d.finish();
    return d;
  }
  uint64_t total_weight = 0;
  for (size_t start = 0; start <= text.size();) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    const size_t colon = item.find(':');
    const uint32_t size = parse_size(text, item.substr(0, colon));
    const uint64_t weight = colon == std::string_view::npos ? 1 : parse_whole(text, item.substr(colon + 1));
    if (weight == 0 || weight > 1'000'000) bad_size(text, "weights must be 1..1000000");
    total_weight += weight;
    d.choices_.push_back({size, total_weight});
    start = comma + 1;
  }
  d.finish();
  return d;
}

void SizeDistribution::finish() {
  if (choices_.empty()) {
    min_ = range_low_;
    max_ = range_high_;
    mean_ = (static_cast<double>(range_low_) + range_high_) / 2;
    return;
  }
  min_ = UINT32_MAX;
  max_ = 0;
  double weighted = 0;
  uint64_t previous = 0;
  for (const Choice& c : choices_) {
    min_ = std::min(min_, c.size);
    max_ = std::max(max_, c.size);
    weighted += double(c.size) * double(c.cumulative_weight - previous);
    previous = c.cumulative_weight;
  }
  mean_ = weighted / double(previous);
}

uint32_t SizeDistribution::draw(Rng& rng) const {
  if (choices_.empty()) {
    return range_low_ == range_high_ ? range_low_
                                     : static_cast<uint32_t>(rng.uniform(range_low_, range_high_));
  }
  if (choices_.size() == 1) return choices_.front().size;
  const uint64_t pick = rng.uniform(0, choices_.back().cumulative_weight - 1);
  const auto chosen = std::upper_bound(choices_.begin(), choices_.end(), pick,
                                       [](uint64_t p, const Choice& c) { return p < c.cumulative_weight; });
  return chosen->size;
}

}  // namespace phantasm::traffic
