#include "harness/memwire/window_scale_stripper.h"

#include <array>
#include <vector>

#include "engine/wire/tcp.h"
#include "harness/memwire/tcp_rewrite.h"

namespace phantasm::memwire {
namespace {

namespace flag = wire::tcp::flag;
namespace option = wire::tcp::option;

// Overwrites every Window Scale option in the segment's option list with NOPs. Returns how
// many it replaced. A malformed list is left alone from the first bad option on.
int strip_window_scale(std::span<uint8_t> segment) {
  const wire::tcp::View t(std::span<const uint8_t>(segment.data(), segment.size()));
  const size_t header_len = t.header_len();
  if (header_len < wire::tcp::kMinHeaderLen || header_len > segment.size()) return 0;
  int replaced = 0;
  size_t i = wire::tcp::kMinHeaderLen;
  while (i < header_len) {
    const uint8_t kind = segment[i];
    if (kind == option::kEnd) break;
    if (kind == option::kNop) {
      ++i;
      continue;
    }
    if (i + 1 >= header_len) break;
    const uint8_t len = segment[i + 1];
    if (len < 2 || i + len > header_len) break;
    if (kind == option::kWindowScale && len == 3) {
      static constexpr std::array<uint8_t, 3> kNops = {option::kNop, option::kNop, option::kNop};
      rewrite_bytes(segment, i, kNops);
      ++replaced;
    }
    i += len;
  }
  return replaced;
}

}  // namespace

void WindowScaleStripper::operator()(Direction, std::span<const uint8_t> packet, const Emit& emit) {
  const auto view = tcp_segment_of(packet);
  if (!view) {
    emit(packet);
    return;
  }
  const uint8_t flags = (*view)[wire::tcp::field::kFlags];
  const bool syn = (flags & (flag::kSyn | flag::kAck)) == flag::kSyn;
  const bool syn_ack = (flags & (flag::kSyn | flag::kAck)) == (flag::kSyn | flag::kAck);
  if (!(syn && which_.from_syn) && !(syn_ack && which_.from_syn_ack)) {
    emit(packet);
    return;
  }
  std::vector<uint8_t> copy(packet.begin(), packet.end());
  stripped_ += static_cast<uint64_t>(strip_window_scale(*tcp_segment_of(std::span<uint8_t>(copy))));
  emit(copy);
}

}  // namespace phantasm::memwire
