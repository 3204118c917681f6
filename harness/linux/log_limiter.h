// Rate limit for log lines that can flood: per-flow events (a new UDP client, a connection
// established or closed) under a storm of thousands of flows per second. A key may log `burst`
// lines per window; the rest of the window is counted, and when the window is over one line
// sums it up: "New UDP client ... (repeated 4980 times in the last 10 s)". The clock is a
// parameter (deterministic tests). Not thread-safe: each worker holds its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phantasm::linux_host {

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Summary {
    std::string key;
    uint64_t suppressed = 0;
    Clock::duration window{};
    int tag = 0;  // the caller's, from allow() (the workers pass the log level)
    // "<key> ... (repeated <suppressed> times in the last <window> s)"
    std::string text() const;
  };

  explicit LogLimiter(uint32_t burst = 10, Clock::duration window = std::chrono::seconds(10));

  // Whether one more line under `key` may be logged at `now`. A window starts at a key's first
  // line and lasts `window`; within it the first `burst` lines are allowed and the rest counted.
  // A window that ended is closed first (its summary is then returned by take_summaries).
  bool allow(std::string_view key, Clock::time_point now, int tag = 0);
  // Closes the windows that ended by `now` and returns the summaries of those that suppressed
  // something (including windows closed by allow), oldest key first.
  std::vector<Summary> take_summaries(Clock::time_point now);
  // Everything still counted, as summaries, whatever the time (at exit).
  std::vector<Summary> take_all();
  // When take_summaries will next have something to say: the earliest end of a window with
  // suppressed lines, or now-ish when a closed summary waits; nothing when there is none.
  std::optional<Clock::time_point> next_summary_due() const;

 private:
  struct Entry {
    std::string key;
    Clock::time_point window_start;
    uint32_t logged = 0;
    uint64_t suppressed = 0;
    bool open = false;
    int tag = 0;
  };
  void close(Entry& entry);

  uint32_t burst_;
  Clock::duration window_;
  std::vector<Entry> entries_;   // a handful of keys: a vector beats a map
  std::vector<Summary> ready_;   // closed by allow(), not yet taken
};

}  // namespace phantasm::linux_host
