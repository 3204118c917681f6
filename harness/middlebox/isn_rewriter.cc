#include "harness/middlebox/isn_rewriter.h"

#include "engine/wire/tcp.h"
#include "harness/middlebox/packet_edit.h"

namespace phantasm::middlebox {

IsnRewriter::IsnRewriter(std::optional<uint32_t> client_offset, std::optional<uint32_t> server_offset, uint64_t seed) {
  Rng rng(seed ^ 0x15AB15ABull);
  // Never 0 when drawn: an offset of 0 would test nothing.
  client_offset_ = client_offset ? *client_offset : static_cast<uint32_t>(rng.uniform(1, 0xFFFFFFFF));
  server_offset_ = server_offset ? *server_offset : static_cast<uint32_t>(rng.uniform(1, 0xFFFFFFFF));
}

void IsnRewriter::on_packet(Direction dir, std::span<const uint8_t> packet, Time, Outputs& out) {
  ++counters_.seen;
  const auto at = locate_tcp(packet);
  if (!at) {
    pass(dir, packet, out);
    return;
  }
  std::vector<uint8_t> copy(packet.begin(), packet.end());
  const wire::tcp::View t(std::span<const uint8_t>(copy).subspan(at->offset, at->length));
  const bool from_client = dir == Direction::kClientToServer;
  const uint32_t own = from_client ? client_offset_ : server_offset_;
  const uint32_t peer = from_client ? server_offset_ : client_offset_;
  const uint32_t seq = t.seq();
  const uint32_t ack = t.ack();
  const bool has_ack = t.flags() & wire::tcp::flag::kAck;
  set_seq(copy, *at, seq + own);
  if (has_ack) set_ack(copy, *at, ack - peer);
  forward(dir, std::move(copy), out);
}

}  // namespace phantasm::middlebox
