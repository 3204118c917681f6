#include "harness/scenario/units.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace phantasm::scenario {
namespace {

// A non-negative decimal number at the start of `text`; `rest` gets what follows it.
std::optional<double> leading_number(std::string_view text, std::string_view& rest) {
  size_t i = 0;
  bool digits = false;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, digits = true;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, digits = true;
  }
  if (!digits) return std::nullopt;
  rest = text.substr(i);
  // strtod, not stod: a number too large for a double is inf (rejected by callers), not an exception.
  const double value = std::strtod(std::string(text.substr(0, i)).c_str(), nullptr);
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<uint32_t> whole_number(std::string_view text) {
  uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool is_one_size(std::string_view text) {
  const auto n = whole_number(trim(text));
  return n && *n >= 40 && *n <= 65507;
}

}  // namespace

std::optional<Millis> parse_duration(std::string_view text) {
  std::string_view unit;
  const auto number = leading_number(trim(text), unit);
  if (!number) return std::nullopt;
  double ms_per_unit = 0;
  if (unit == "ms") ms_per_unit = 1;
  else if (unit == "s") ms_per_unit = 1e3;
  else if (unit == "m" || unit == "min") ms_per_unit = 60e3;
  else if (unit == "h") ms_per_unit = 3600e3;
  else return std::nullopt;  // a bare number is ambiguous: say the unit
  const double ms = *number * ms_per_unit;
  if (ms > 7 * 24 * 3600e3) return std::nullopt;  // a week: longer is a typo
  return Millis{static_cast<int64_t>(std::llround(ms))};
}

std::optional<double> parse_fraction(std::string_view text) {
  std::string_view rest;
  text = trim(text);
  const auto number = leading_number(text, rest);
  if (!number) return std::nullopt;
  if (rest == "%") return *number <= 100 ? std::optional<double>(*number / 100) : std::nullopt;
  if (!rest.empty()) return std::nullopt;
  return *number <= 1 ? number : std::nullopt;
}

std::optional<PortRange> parse_port_range(std::string_view text) {
  text = trim(text);
  const size_t dash = text.find('-');
  const auto first = whole_number(trim(text.substr(0, dash)));
  const auto last = dash == std::string_view::npos ? first : whole_number(trim(text.substr(dash + 1)));
  if (!first || !last || *first == 0 || *last > 65535 || *first > *last) return std::nullopt;
  return PortRange{static_cast<uint16_t>(*first), static_cast<uint16_t>(*last)};
}

bool is_rate(std::string_view text) {
  text = trim(text);
  if (text == "max") return true;
  std::string_view unit;
  const auto number = leading_number(text, unit);
  if (!number || *number <= 0) return false;
  for (std::string_view u : {"", "pps", "kpps", "Mpps", "k", "K", "M", "G", "kbit", "Kbit", "Mbit", "Gbit"}) {
    if (unit == u) return true;
  }
  return false;
}

bool is_size(std::string_view text) {
  text = trim(text);
  if (text.empty()) return false;
  if (const size_t dash = text.find('-'); dash != std::string_view::npos) {
    const auto lo = whole_number(trim(text.substr(0, dash)));
    const auto hi = whole_number(trim(text.substr(dash + 1)));
    return lo && hi && *lo <= *hi && is_one_size(text.substr(0, dash)) && is_one_size(text.substr(dash + 1));
  }
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    if (const size_t colon = item.find(':'); colon != std::string_view::npos) {
      const auto weight = whole_number(trim(item.substr(colon + 1)));
      if (!weight || *weight == 0) return false;
      item = item.substr(0, colon);
    }
    if (!is_one_size(item)) return false;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return true;
}

std::string format_duration(Millis d) {
  const int64_t ms = d.count();
  if (ms % 3600000 == 0 && ms != 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0 && ms != 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace phantasm::scenario
