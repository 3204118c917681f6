#include "harness/middlebox/rst_injector.h"

#include <array>

#include "engine/wire/packet.h"
#include "engine/wire/tcp.h"

namespace phantasm::middlebox {

std::vector<uint8_t> make_rst(const SocketAddress& from, const SocketAddress& to, uint32_t seq) {
  wire::SegmentHeader h;
  h.src = from.ip;
  h.dst = to.ip;
  h.src_port = from.port;
  h.dst_port = to.port;
  h.seq = seq;
  h.flags = wire::tcp::flag::kRst;
  h.window = 0;
  std::array<uint8_t, 64> buffer{};
  const auto packet = wire::emit_bare(buffer, h);
  if (!packet) return {};
  return {packet.value().begin(), packet.value().end()};
}

void RstInjector::on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out) {
  ++counters_.seen;
  if (const auto f = read_tcp(packet)) flows_.observe(dir, *f, now);
  if (config_.every && next_.is_never()) next_ = now + *config_.every;
  pass(dir, packet, out);
}

void RstInjector::on_timer(Time now, Outputs& out) {
  if (now < next_) return;
  trigger(now, out);
  next_ = config_.every ? now + *config_.every : Time::never();
}

void RstInjector::trigger(Time, Outputs& out) {
  for (const auto& [key, state] : flows_.recent(config_.max_flows_per_trigger)) {
    if (config_.towards != RstTarget::kClient) reset_towards(Direction::kClientToServer, key, state, out);
    if (config_.towards != RstTarget::kServer) reset_towards(Direction::kServerToClient, key, state, out);
  }
}

void RstInjector::reset_towards(Direction dir, const FlowKey& key, const FlowState& state, Outputs& out) {
  // Travelling `dir`, the RST claims to come from the sender of that direction.
  const SideState& sender = state.side(dir);
  if (!sender.seen) return;
  const uint32_t seq = config_.in_window ? sender.next_seq : rng_.next_u32();
  const bool to_server = dir == Direction::kClientToServer;
  auto rst = to_server ? make_rst(key.client, key.server, seq) : make_rst(key.server, key.client, seq);
  if (!rst.empty()) inject(dir, std::move(rst), out);
}

}  // namespace phantasm::middlebox
