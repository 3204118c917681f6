#include "apps/daemons/logging.h"

#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
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

// %* : the message with CR and LF escaped, so that one event is one line in the journal.
class OneLineMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char* p = msg.payload.data();
    const char* end = p + msg.payload.size();
    const char* run = p;
    for (; p != end; ++p) {
      if (*p != '\n' && *p != '\r') continue;
      dest.append(run, p);
      dest.append(std::string_view(*p == '\n' ? "\\n" : "\\r"));
      run = p + 1;
    }
    dest.append(run, end);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<OneLineMessage>();
  }
};

// %& : "<N>", the syslog priority of the level, which journald reads off a stream line.
class SyslogPriority final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    char priority = '6';
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug: priority = '7'; break;
      case spdlog::level::info: priority = '6'; break;
      case spdlog::level::warn: priority = '4'; break;
      case spdlog::level::err: priority = '3'; break;
      case spdlog::level::critical: priority = '2'; break;
      default: break;
    }
    const char text[3] = {'<', priority, '>'};
    dest.append(text, text + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriority>();
  }
};

// systemd sets JOURNAL_STREAM=<device>:<inode> of the stream it connected stdout/stderr to.
bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  return device == st.st_dev && inode == st.st_ino;
}

}  // namespace

LogFormat choose_log_format(bool stderr_is_tty, const char* log_time, bool journal) {
  LogFormat format;
  format.colour = stderr_is_tty;
  format.timestamp = stderr_is_tty;
  if (log_time != nullptr && *log_time != '\0') format.timestamp = std::string_view(log_time) != "0";
  format.syslog_priority = journal && !stderr_is_tty;
  return format;
}

std::unique_ptr<spdlog::formatter> make_log_formatter(const LogFormat& format) {
  std::string pattern;
  if (format.syslog_priority) pattern += "%&";
  if (format.timestamp) pattern += "%Y-%m-%dT%H:%M:%S.%e ";
  pattern += format.colour ? "%^%-5l%$ %*" : "%-5l %*";
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<OneLineMessage>('*');
  formatter->add_flag<SyslogPriority>('&');
  formatter->set_pattern(pattern);
  return formatter;
}

std::string setup_logging() {
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  LogFormat format = choose_log_format(tty, std::getenv("PHANTASM_LOG_TIME"), stderr_is_journal());
  // Colour is decided here, not by the sink's own guess (which also looks at TERM).
  spdlog::sink_ptr sink;
  if (format.colour) {
    sink = std::make_shared<spdlog::sinks::ansicolor_stderr_sink_mt>(spdlog::color_mode::always);
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  sink->set_formatter(make_log_formatter(format));
  auto logger = std::make_shared<spdlog::logger>("phantasm", std::move(sink));
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
