#include "harness/scenario/yaml_reader.h"

#include <algorithm>
#include <cmath>

#include "harness/scenario/scenario_error.h"
#include "harness/scenario/units.h"

namespace phantasm::scenario {

SourceMark mark_of(const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

void YamlContext::fail(const YAML::Node& at, std::string_view message) const {
  throw ScenarioError(file_, mark_of(at), message);
}

std::string YamlContext::text(const YAML::Node& n, std::string_view what) const {
  if (!n.IsScalar()) fail(n, std::string(what) + ": expected a text value");
  return n.Scalar();
}

bool YamlContext::boolean(const YAML::Node& n, std::string_view what) const {
  const std::string s = text(n, what);
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  fail(n, std::string(what) + ": expected true or false, got '" + s + "'");
}

int64_t YamlContext::integer(const YAML::Node& n, std::string_view what, int64_t min, int64_t max) const {
  const std::string s = text(n, what);
  size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(s, &used, 0);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size()) fail(n, std::string(what) + ": expected a whole number, got '" + s + "'");
  if (value < min || value > max) {
    fail(n, std::string(what) + ": " + s + " is outside " + std::to_string(min) + ".." + std::to_string(max));
  }
  return value;
}

double YamlContext::number(const YAML::Node& n, std::string_view what) const {
  const std::string s = text(n, what);
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size() || !std::isfinite(value)) {
    fail(n, std::string(what) + ": expected a number, got '" + s + "'");
  }
  return value;
}

Millis YamlContext::duration(const YAML::Node& n, std::string_view what) const {
  const std::string s = text(n, what);
  const auto d = parse_duration(s);
  if (!d) fail(n, std::string(what) + ": expected a duration such as 250ms, 10s, 6m or 1h, got '" + s + "'");
  return *d;
}

double YamlContext::fraction(const YAML::Node& n, std::string_view what) const {
  const std::string s = text(n, what);
  const auto f = parse_fraction(s);
  if (!f) fail(n, std::string(what) + ": expected a percentage (1%) or a fraction in [0, 1], got '" + s + "'");
  return *f;
}

PortRange YamlContext::ports(const YAML::Node& n, std::string_view what) const {
  const std::string s = text(n, what);
  const auto p = parse_port_range(s);
  if (!p) fail(n, std::string(what) + ": expected a port or a range such as 40000-40100, got '" + s + "'");
  return *p;
}

size_t YamlContext::choice(const YAML::Node& n, std::string_view what,
                           std::initializer_list<std::string_view> names) const {
  const std::string s = text(n, what);
  size_t i = 0;
  std::string allowed;
  for (std::string_view name : names) {
    if (name == s) return i;
    allowed += (i++ ? ", " : "") + std::string(name);
  }
  fail(n, std::string(what) + ": '" + s + "' is not one of: " + allowed);
}

std::vector<YAML::Node> YamlContext::list(const YAML::Node& n, std::string_view what) const {
  std::vector<YAML::Node> out;
  if (n.IsScalar()) {
    out.push_back(n);
  } else if (n.IsSequence()) {
    for (const YAML::Node& item : n) out.push_back(item);
  } else {
    fail(n, std::string(what) + ": expected a list");
  }
  return out;
}

MapReader::MapReader(const YamlContext& ctx, const YAML::Node& node, std::string what)
    : ctx_(ctx), node_(node), what_(std::move(what)) {
  if (!node_.IsMap()) ctx_.fail(node_, what_ + ": expected a map of settings (key: value)");
}

std::optional<YAML::Node> MapReader::take(std::string_view key) {
  taken_.emplace_back(key);
  for (const auto& entry : node_) {
    if (entry.first.Scalar() == key) {
      if (entry.second.IsNull()) ctx_.fail(entry.first, what_ + "." + std::string(key) + ": has no value");
      return entry.second;
    }
  }
  return std::nullopt;
}

YAML::Node MapReader::require(std::string_view key) {
  auto n = take(key);
  if (!n) ctx_.fail(node_, what_ + ": '" + std::string(key) + "' is required");
  return *n;
}

bool MapReader::has(std::string_view key) const {
  for (const auto& entry : node_) {
    if (entry.first.Scalar() == key) return true;
  }
  return false;
}

void MapReader::finish() const {
  for (const auto& entry : node_) {
    const std::string& key = entry.first.Scalar();
    if (std::find(taken_.begin(), taken_.end(), key) != taken_.end()) continue;
    std::string allowed;
    for (const std::string& k : taken_) allowed += (allowed.empty() ? "" : ", ") + k;
    ctx_.fail(entry.first, what_ + ": unknown setting '" + key + "' (allowed here: " + allowed + ")");
  }
}

}  // namespace phantasm::scenario
