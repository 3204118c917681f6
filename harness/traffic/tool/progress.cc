#include "harness/traffic/tool/progress.h"

#include <fmt/format.h>

namespace phantasm::traffic {

std::string IntervalRate::update(uint64_t packets, uint64_t bytes, double seconds) {
  const double mbit = seconds > 0 ? static_cast<double>(bytes - bytes_) * 8 / seconds / 1e6 : 0;
  const double kpps = seconds > 0 ? static_cast<double>(packets - packets_) / seconds / 1e3 : 0;
  packets_ = packets;
  bytes_ = bytes;
  return fmt::format("{:.1f} Mbit/s {:.1f} kpps", mbit, kpps);
}

ProgressLine::ProgressLine(bool enabled, uint64_t start_ns, std::FILE* out)
    : enabled_(enabled), start_ns_(start_ns), last_ns_(start_ns), out_(out) {}

bool ProgressLine::due(uint64_t now_ns) {
  if (!enabled_ || now_ns < last_ns_ + 1'000'000'000u) return false;
  interval_s_ = static_cast<double>(now_ns - last_ns_) * 1e-9;
  return true;
}

void ProgressLine::print(uint64_t now_ns, std::string_view text) {
  last_ns_ = now_ns;
  fmt::print(out_, "[{:6.1f} s] {}\n", static_cast<double>(now_ns - start_ns_) * 1e-9, text);
  std::fflush(out_);
}

}  // namespace phantasm::traffic
