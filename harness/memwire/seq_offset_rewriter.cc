#include "harness/memwire/seq_offset_rewriter.h"

#include <vector>

#include "engine/wire/tcp.h"
#include "harness/memwire/tcp_rewrite.h"

namespace phantasm::memwire {

void SeqOffsetRewriter::operator()(Direction dir, std::span<const uint8_t> packet, const Emit& emit) {
  std::vector<uint8_t> copy(packet.begin(), packet.end());
  const auto segment = tcp_segment_of(std::span<uint8_t>(copy));
  if (!segment) {
    ++not_tcp_;
    emit(packet);
    return;
  }
  const bool from_client = dir == Direction::kClientToServer;
  const uint32_t own = from_client ? offsets_.client : offsets_.server;
  const uint32_t peer = from_client ? offsets_.server : offsets_.client;
  const wire::tcp::View t(std::span<const uint8_t>(segment->data(), segment->size()));
  rewrite_seq(*segment, t.seq() + own);
  if (t.flags() & wire::tcp::flag::kAck) rewrite_ack(*segment, t.ack() - peer);
  ++rewritten_;
  emit(copy);
}

}  // namespace phantasm::memwire
