#include "harness/middlebox/impairments.h"

namespace phantasm::middlebox {

void Loss::on_packet(Direction dir, std::span<const uint8_t> packet, Time, Outputs& out) {
  ++counters_.seen;
  if (rng_.chance(p_)) {
    drop();
    return;
  }
  pass(dir, packet, out);
}

void Delay::on_packet(Direction dir, std::span<const uint8_t> packet, Time, Outputs& out) {
  ++counters_.seen;
  Duration extra{0};
  if (jitter_.count() > 0) extra = Duration{static_cast<int64_t>(rng_.uniform(0, static_cast<uint64_t>(jitter_.count())))};
  ++counters_.passed;
  out.push_back(Output{dir, delay_ + extra, false, {packet.begin(), packet.end()}});
}

void Duplicate::on_packet(Direction dir, std::span<const uint8_t> packet, Time, Outputs& out) {
  ++counters_.seen;
  pass(dir, packet, out);
  if (rng_.chance(p_)) inject(dir, {packet.begin(), packet.end()}, out);
}

}  // namespace phantasm::middlebox
