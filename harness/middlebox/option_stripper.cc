#include "harness/middlebox/option_stripper.h"

#include <vector>

#include "engine/wire/tcp.h"
#include "harness/middlebox/packet_edit.h"

namespace phantasm::middlebox {

OptionStripper::OptionStripper(std::initializer_list<uint8_t> kinds, StripSelection on)
    : OptionStripper(std::span<const uint8_t>(kinds.begin(), kinds.size()), on) {}

OptionStripper::OptionStripper(std::span<const uint8_t> kinds, StripSelection on) : on_(on) {
  for (uint8_t k : kinds) strip_[k] = true;
}

void OptionStripper::on_packet(Direction dir, std::span<const uint8_t> packet, Time, Outputs& out) {
  ++counters_.seen;
  const auto at = locate_tcp(packet);
  if (!at) {
    pass(dir, packet, out);
    return;
  }
  namespace flag = wire::tcp::flag;
  const uint8_t flags = packet[at->offset + wire::tcp::field::kFlags] & (flag::kSyn | flag::kAck);
  const bool selected = on_.all_segments || (flags == flag::kSyn && on_.syn) ||
                        (flags == (flag::kSyn | flag::kAck) && on_.syn_ack);
  if (!selected) {
    pass(dir, packet, out);
    return;
  }
  const size_t header_len = static_cast<size_t>(packet[at->offset + 12] >> 4) * 4;
  std::vector<std::pair<size_t, size_t>> found;  // offset, length
  for_each_option(packet.subspan(at->offset, header_len), [&](uint8_t kind, size_t offset, size_t len) {
    if (strip_[kind]) found.emplace_back(offset, len);
  });
  if (found.empty()) {
    pass(dir, packet, out);
    return;
  }
  std::vector<uint8_t> copy(packet.begin(), packet.end());
  for (const auto& [offset, len] : found) {
    const std::vector<uint8_t> nops(len, wire::tcp::option::kNop);
    overwrite_tcp_bytes(copy, *at, offset, nops);
    ++options_stripped_;
  }
  forward(dir, std::move(copy), out);
}

}  // namespace phantasm::middlebox
