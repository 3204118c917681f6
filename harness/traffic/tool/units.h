// Parsing the quantities users type on the udpgen command line. Every parser throws UsageError
// with a one-line message naming the option's syntax when the text does not fit.
//
//   rates      100kpps, 2.5Mpps (datagrams/s); 500M, 500Mbit, 1000m, 1.5Gbps (bit/s: a bare
//              number is bit/s, as with iperf3 -b); 0, max or unlimited (as fast as possible)
//   counts     2000, 10k, 1M (decimal multipliers)
//   durations  10, 10s, 500ms, 250us, 2m, 1h (bare number: seconds)
//   byte sizes 4M, 512k, 4MiB (binary multipliers: k = 1024)
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace phantasm::traffic {

struct Rate {
  enum class Unit { unlimited, packets_per_second, bits_per_second };
  Unit unit = Unit::unlimited;
  double per_second = 0;

  bool unlimited() const { return unit == Unit::unlimited; }
  std::string describe() const;  // "100 kpps", "500 Mbit/s", "unlimited"
};

Rate parse_rate(std::string_view text);
uint64_t parse_count(std::string_view text);
std::chrono::nanoseconds parse_duration(std::string_view text);
uint64_t parse_byte_size(std::string_view text);

}  // namespace phantasm::traffic
