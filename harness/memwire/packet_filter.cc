#include "harness/memwire/packet_filter.h"

#include <memory>

#include "engine/wire/tcp.h"
#include "harness/memwire/tcp_rewrite.h"

namespace phantasm::memwire {
namespace {

namespace flag = wire::tcp::flag;

struct Shape {
  uint8_t flags = 0;
  size_t payload = 0;
};

std::optional<Shape> shape_of(std::span<const uint8_t> packet) {
  const auto seg = tcp_segment_of(packet);
  if (!seg) return std::nullopt;
  const wire::tcp::View t(*seg);
  if (t.header_len() < wire::tcp::kMinHeaderLen || t.header_len() > seg->size()) return std::nullopt;
  return Shape{t.flags(), seg->size() - t.header_len()};
}

}  // namespace

bool is_syn(std::span<const uint8_t> p) {
  const auto s = shape_of(p);
  return s && (s->flags & (flag::kSyn | flag::kAck)) == flag::kSyn;
}
bool is_syn_ack(std::span<const uint8_t> p) {
  const auto s = shape_of(p);
  return s && (s->flags & (flag::kSyn | flag::kAck)) == (flag::kSyn | flag::kAck);
}
bool is_pure_ack(std::span<const uint8_t> p) {
  const auto s = shape_of(p);
  return s && s->flags == flag::kAck && s->payload == 0;
}
bool is_data(std::span<const uint8_t> p) {
  const auto s = shape_of(p);
  return s && s->payload > 0;
}
bool is_rst(std::span<const uint8_t> p) {
  const auto s = shape_of(p);
  return s && (s->flags & flag::kRst) != 0;
}

void PacketFilter::operator()(Direction dir, std::span<const uint8_t> packet, const Emit& emit) {
  if (dir != rule_.dir || !rule_.match(packet)) {
    emit(packet);
    return;
  }
  ++matched_;
  if (!rule_.occurrences.contains(matched_)) {
    emit(packet);
    return;
  }
  ++acted_on_;
  if (rule_.hold.count() > 0) emit.after(rule_.hold, packet);
}

Middlebox drop_nth(Direction dir, PacketPredicate match, std::set<uint64_t> occurrences) {
  return shared(std::make_shared<PacketFilter>(FilterRule{dir, std::move(match), std::move(occurrences), Duration{0}}));
}

Middlebox hold_nth(Direction dir, PacketPredicate match, std::set<uint64_t> occurrences, Duration hold) {
  return shared(std::make_shared<PacketFilter>(FilterRule{dir, std::move(match), std::move(occurrences), hold}));
}

}  // namespace phantasm::memwire
