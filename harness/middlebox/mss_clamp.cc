#include "harness/middlebox/mss_clamp.h"

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "engine/wire/bytes.h"
#include "engine/wire/tcp.h"
#include "harness/middlebox/packet_edit.h"

namespace phantasm::middlebox {

void MssClamp::on_packet(Direction dir, std::span<const uint8_t> packet, Time, Outputs& out) {
  ++counters_.seen;
  const auto at = locate_tcp(packet);
  if (!at || !(packet[at->offset + wire::tcp::field::kFlags] & wire::tcp::flag::kSyn)) {
    pass(dir, packet, out);
    return;
  }
  const size_t header_len = static_cast<size_t>(packet[at->offset + 12] >> 4) * 4;
  std::optional<size_t> mss_at;
  for_each_option(packet.subspan(at->offset, header_len), [&](uint8_t kind, size_t offset, size_t len) {
    if (kind == wire::tcp::option::kMss && len == 4) mss_at = offset;
  });
  std::vector<uint8_t> copy(packet.begin(), packet.end());
  if (mss_at) {
    const uint16_t current = wire::load_be16(packet.subspan(at->offset), *mss_at + 2);
    if (current <= mss_) {
      pass(dir, packet, out);
      return;
    }
    const std::array<uint8_t, 2> value = {static_cast<uint8_t>(mss_ >> 8), static_cast<uint8_t>(mss_)};
    overwrite_tcp_bytes(copy, *at, *mss_at + 2, value);
    ++lowered_;
    forward(dir, std::move(copy), out);
    return;
  }
  // Linux inserts only into a SYN without payload (its tcpmss_mangle_packet), when it fits.
  if (at->length > header_len) {
    pass(dir, packet, out);
    return;
  }
  // Without an MSS the peer assumes RFC 879's default, so Linux inserts no more than that.
  const uint16_t value = std::min<uint16_t>(mss_, at->ipv6 ? 1220 : 536);
  const std::array<uint8_t, 4> option = {wire::tcp::option::kMss, 4, static_cast<uint8_t>(value >> 8),
                                         static_cast<uint8_t>(value)};
  if (!insert_tcp_option(copy, option)) {
    pass(dir, packet, out);
    return;
  }
  ++inserted_;
  forward(dir, std::move(copy), out);
}

}  // namespace phantasm::middlebox
