// Log setup: one line per event on stderr. On a terminal: a timestamp and the level in colour.
// Otherwise (journald, a pipe, a file): no colour codes and no timestamp, since journald adds
// its own (PHANTASM_LOG_TIME=1 puts it back, =0 drops it on a terminal too); under systemd's
// journal stream each line also starts with a syslog priority ("<4>"), which journald strips
// and files the line under (journalctl -p warning). Newlines inside a message are written as
// "\n", so an event never spans lines. The level comes from PHANTASM_LOG, or RUST_LOG for
// drop-in use with Phantun's unit files: error | warn | info | debug | trace | off.
#pragma once

#include <memory>
#include <string>

#include <spdlog/formatter.h>

namespace phantasm::daemons {

// Configures the default logger; returns a warning to log when the variable was not understood.
std::string setup_logging();

// What setup_logging chooses, as a pure function of what it looks at (for tests).
struct LogFormat {
  bool colour = false;          // ANSI colour on the level (a terminal only)
  bool timestamp = true;        // ISO 8601 local time with milliseconds
  bool syslog_priority = false; // "<N>" prefix for journald
};
// `log_time` is PHANTASM_LOG_TIME (nullptr when unset); `journal` says stderr is systemd's
// journal stream (JOURNAL_STREAM names stderr's device and inode).
LogFormat choose_log_format(bool stderr_is_tty, const char* log_time, bool journal);

// The formatter for that choice: pattern, one-line messages, syslog priority.
std::unique_ptr<spdlog::formatter> make_log_formatter(const LogFormat& format);

}  // namespace phantasm::daemons
