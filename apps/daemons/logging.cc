#include "apps/daemons/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <optional>
#include <string_view>

namespace phantasm::daemons {
namespace {

std::optional<spdlog::level::level_enum> level_named(std::string_view name) {
  if (name == "error") return spdlog::level::err;
  if (name == "warn" || name == "warning") return spdlog::level::warn;
  if (name == "info") return spdlog::level::info;
  if (name == "debug") return spdlog::level::debug;
  if (name == "trace") return spdlog::level::trace;
  if (name == "off") return spdlog::level::off;
  return std::nullopt;
}

// RUST_LOG may be "info" or "warn,phantun=debug": use the first directive without a target,
// else the first target's level.
std::optional<spdlog::level::level_enum> level_from(std::string_view spec) {
  std::optional<spdlog::level::level_enum> targeted;
  while (!spec.empty()) {
    auto comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      if (auto level = level_named(item)) return level;
    } else if (!targeted) {
      targeted = level_named(item.substr(eq + 1));
    }
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  return targeted;
}

}  // namespace

std::string setup_logging() {
  auto logger = spdlog::stderr_logger_mt("phantasm");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::info);
  for (const char* variable : {"PHANTASM_LOG", "RUST_LOG"}) {
    const char* value = std::getenv(variable);
    if (value == nullptr || *value == '\0') continue;
    if (auto level = level_from(value)) {
      spdlog::set_level(*level);
      return {};
    }
    return std::string(variable) + "='" + value +
           "' is not a log level (error|warn|info|debug|trace|off); using info";
  }
  return {};
}

}  // namespace phantasm::daemons
