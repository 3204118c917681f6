// Strict reading of YAML maps: every key must be known (a typo is an error that names the keys
// allowed there, not a setting silently ignored), and every value is converted with its
// location at hand for the message.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario/scenario.h"

namespace phantasm::scenario {

SourceMark mark_of(const YAML::Node& node);

// Reads values of one file and throws ScenarioError at the first bad one.
class YamlContext {
 public:
  explicit YamlContext(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& at, std::string_view message) const;
  const std::string& file() const { return file_; }

  std::string text(const YAML::Node& n, std::string_view what) const;
  bool boolean(const YAML::Node& n, std::string_view what) const;
  int64_t integer(const YAML::Node& n, std::string_view what, int64_t min, int64_t max) const;
  double number(const YAML::Node& n, std::string_view what) const;
  Millis duration(const YAML::Node& n, std::string_view what) const;
  double fraction(const YAML::Node& n, std::string_view what) const;
  PortRange ports(const YAML::Node& n, std::string_view what) const;
  // One of `names`, returned as its index.
  size_t choice(const YAML::Node& n, std::string_view what, std::initializer_list<std::string_view> names) const;
  // A sequence, or a single scalar read as a sequence of one.
  std::vector<YAML::Node> list(const YAML::Node& n, std::string_view what) const;

 private:
  std::string file_;
};

// One YAML map whose keys are taken one by one; finish() rejects what was not taken.
class MapReader {
 public:
  MapReader(const YamlContext& ctx, const YAML::Node& node, std::string what);

  std::optional<YAML::Node> take(std::string_view key);
  YAML::Node require(std::string_view key);
  bool has(std::string_view key) const;
  // Throws for the first key nobody took, listing the keys that are allowed here.
  void finish() const;

  const YAML::Node& node() const { return node_; }

 private:
  const YamlContext& ctx_;
  YAML::Node node_;
  std::string what_;
  std::vector<std::string> taken_;
};

}  // namespace phantasm::scenario
