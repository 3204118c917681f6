#include "harness/traffic/tool/units.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <optional>

#include "harness/traffic/tool/errors.h"

namespace phantasm::traffic {
namespace {

// A non-negative decimal number at the front of `text`; `text` keeps the rest (the unit).
std::optional<double> take_number(std::string_view& text) {
  size_t end = 0;
  bool seen_digit = false, seen_dot = false;
  while (end < text.size()) {
    const char c = text[end];
    if (c >= '0' && c <= '9') {
      seen_digit = true;
    } else if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else {
      break;
    }
    ++end;
  }
  if (!seen_digit) return std::nullopt;
  double value = 0;
  // from_chars for double is in libstdc++ 11+ and is locale-independent, unlike strtod.
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, value);
  if (ec != std::errc() || ptr != text.data() + end || !std::isfinite(value)) return std::nullopt;
  text.remove_prefix(end);
  return value;
}

// k/K = 10^3, m/M = 10^6 (lower-case m is mega, as iperf3 reads it: rates have no milli),
// g/G = 10^9; or 1024-based when `binary`. Returns 1 and leaves `text` alone without a prefix.
double take_multiplier(std::string_view& text, bool binary) {
  if (text.empty()) return 1;
  const double k = binary ? 1024.0 : 1000.0;
  double m = 0;
  switch (text.front()) {
    case 'k': case 'K': m = k; break;
    case 'm': case 'M': m = k * k; break;
    case 'g': case 'G': m = k * k * k; break;
    default: return 1;
  }
  text.remove_prefix(1);
  return m;
}

[[noreturn]] void bad(std::string_view what, std::string_view text, std::string_view syntax) {
  throw UsageError(fmt::format("invalid {} '{}' (expected {})", what, text, syntax));
}

}  // namespace

std::string Rate::describe() const {
  auto scaled = [](double v, std::string_view unit_name) {
    if (v >= 1e9) return fmt::format("{:g} G{}", v / 1e9, unit_name);
    if (v >= 1e6) return fmt::format("{:g} M{}", v / 1e6, unit_name);
    if (v >= 1e3) return fmt::format("{:g} k{}", v / 1e3, unit_name);
    return fmt::format("{:g} {}", v, unit_name);
  };
  switch (unit) {
    case Unit::unlimited: return "unlimited";
    case Unit::packets_per_second: return scaled(per_second, "pps");
    case Unit::bits_per_second: return scaled(per_second, "bit/s");
  }
  return "unlimited";
}

Rate parse_rate(std::string_view text) {
  constexpr std::string_view syntax = "e.g. 100kpps, 500M (bit/s), 1.5Gbit, or max";
  if (text == "max" || text == "unlimited") return {};
  std::string_view rest = text;
  const auto number = take_number(rest);
  if (!number) bad("rate", text, syntax);
  const double value = *number * take_multiplier(rest, false);
  if (value == 0 && rest.empty()) return {};
  Rate rate;
  rate.per_second = value;
  if (rest == "pps" || rest == "p/s") {
    rate.unit = Rate::Unit::packets_per_second;
  } else if (rest.empty() || rest == "bit" || rest == "bit/s" || rest == "bps" || rest == "b") {
    rate.unit = Rate::Unit::bits_per_second;
  } else {
    bad("rate", text, syntax);
  }
  if (value <= 0) bad("rate", text, syntax);
  return rate;
}

uint64_t parse_count(std::string_view text) {
  constexpr std::string_view syntax = "a whole number, e.g. 2000 or 10k";
  std::string_view rest = text;
  const auto number = take_number(rest);
  if (!number) bad("count", text, syntax);
  const double value = *number * take_multiplier(rest, false);
  if (!rest.empty() || value != std::floor(value) || value > 1e18) bad("count", text, syntax);
  return static_cast<uint64_t>(value);
}

std::chrono::nanoseconds parse_duration(std::string_view text) {
  constexpr std::string_view syntax = "e.g. 10s, 500ms, 2m; a bare number is seconds";
  std::string_view rest = text;
  const auto number = take_number(rest);
  if (!number) bad("duration", text, syntax);
  double seconds_per_unit = 0;
  if (rest.empty() || rest == "s") {
    seconds_per_unit = 1;
  } else if (rest == "ms") {
    seconds_per_unit = 1e-3;
  } else if (rest == "us") {
    seconds_per_unit = 1e-6;
  } else if (rest == "ns") {
    seconds_per_unit = 1e-9;
  } else if (rest == "m" || rest == "min") {
    seconds_per_unit = 60;
  } else if (rest == "h") {
    seconds_per_unit = 3600;
  } else {
    bad("duration", text, syntax);
  }
  const double ns = *number * seconds_per_unit * 1e9;
  if (ns > 1e18) bad("duration", text, syntax);
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(ns)));
}

uint64_t parse_byte_size(std::string_view text) {
  constexpr std::string_view syntax = "bytes, e.g. 4M or 512k (k = 1024)";
  std::string_view rest = text;
  const auto number = take_number(rest);
  if (!number) bad("size", text, syntax);
  const double value = *number * take_multiplier(rest, true);
  if (rest == "iB" || rest == "B" || rest == "i") rest = {};
  if (!rest.empty() || value > 1e15) bad("size", text, syntax);
  return static_cast<uint64_t>(value);
}

}  // namespace phantasm::traffic
