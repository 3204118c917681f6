// Time as the engine sees it: a count of nanoseconds since an epoch the host chooses. The
// engine never reads a clock; every entry point takes `now`.
#pragma once

#include <chrono>
#include <cstdint>

namespace phantasm {

using Duration = std::chrono::nanoseconds;

struct Time {
  Duration since_epoch{0};

  static constexpr Time never() { return Time{Duration::max()}; }
  static constexpr Time zero() { return Time{Duration{0}}; }
  static constexpr Time from_ns(int64_t ns) { return Time{Duration{ns}}; }

  constexpr bool is_never() const { return since_epoch == Duration::max(); }
  constexpr int64_t ns() const { return since_epoch.count(); }

  friend constexpr auto operator<=>(Time, Time) = default;
  friend constexpr Time operator+(Time t, Duration d) {
    if (t.is_never()) return t;
    return Time{t.since_epoch + d};
  }
  friend constexpr Duration operator-(Time a, Time b) { return a.since_epoch - b.since_epoch; }
};

constexpr Time earliest(Time a, Time b) { return a < b ? a : b; }

}  // namespace phantasm
