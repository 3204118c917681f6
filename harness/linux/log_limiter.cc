#include "harness/linux/log_limiter.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace phantasm::linux_host {

std::string LogLimiter::Summary::text() const {
  const auto seconds = std::chrono::duration_cast<std::chrono::milliseconds>(window).count();
  std::string span = std::to_string(seconds / 1000);
  if (seconds % 1000 != 0) span += "." + std::to_string(seconds % 1000 / 100);
  return key + " ... (repeated " + std::to_string(suppressed) + " times in the last " + span +
         " s)";
}

LogLimiter::LogLimiter(uint32_t burst, Clock::duration window) : burst_(burst), window_(window) {}

void LogLimiter::close(Entry& entry) {
  if (entry.suppressed > 0) ready_.push_back(Summary{entry.key, entry.suppressed, window_, entry.tag});
  entry.open = false;
  entry.logged = 0;
  entry.suppressed = 0;
}

bool LogLimiter::allow(std::string_view key, Clock::time_point now, int tag) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.key == key; });
  if (it == entries_.end()) {
    entries_.push_back(Entry{std::string(key), now, 0, 0, false, tag});
    it = std::prev(entries_.end());
  }
  Entry& entry = *it;
  if (entry.open && now - entry.window_start >= window_) close(entry);
  if (!entry.open) {
    entry.open = true;
    entry.window_start = now;
  }
  entry.tag = tag;
  if (entry.logged < burst_) {
    ++entry.logged;
    return true;
  }
  ++entry.suppressed;
  return false;
}

std::vector<LogLimiter::Summary> LogLimiter::take_summaries(Clock::time_point now) {
  for (Entry& entry : entries_) {
    if (entry.open && now - entry.window_start >= window_) close(entry);
  }
  return std::exchange(ready_, {});
}

std::vector<LogLimiter::Summary> LogLimiter::take_all() {
  for (Entry& entry : entries_) {
    if (entry.open) close(entry);
  }
  return std::exchange(ready_, {});
}

std::optional<LogLimiter::Clock::time_point> LogLimiter::next_summary_due() const {
  std::optional<Clock::time_point> due;
  if (!ready_.empty()) due = Clock::time_point::min();
  for (const Entry& entry : entries_) {
    if (!entry.open || entry.suppressed == 0) continue;
    Clock::time_point end = entry.window_start + window_;
    if (!due || end < *due) due = end;
  }
  return due;
}

}  // namespace phantasm::linux_host
