#include "sim/model/nat.h"

namespace phantasm::sim {
namespace {

constexpr size_t kMaxAttempts = 128;  // NF_NAT_MAX_ATTEMPTS

// The port class Linux searches when no range was given: keep privileged ports privileged.
PortSpan default_span(uint16_t port) {
  if (port < 512) return {1, 511};
  if (port < 1024) return {600, 1023};
  return {1024, 65535};
}

}  // namespace

bool Nat::bind(ConntrackTable& table, CtEntry& e, NatManip manip, const std::optional<NatTarget>& target, Time now) {
  bool& done = manip == NatManip::kSource ? e.src_nat_done : e.dst_nat_done;
  if (done) return true;
  done = true;
  if (!target) return true;  // null binding

  // The tuple as it stands (after any manip already decided), in the original direction.
  const CtTuple current = e.reply().inverted();
  // Whether a candidate's answers would be mistaken for another connection's.
  auto used = [&](const CtTuple& candidate) { return table.tuple_taken(candidate.inverted(), &e, now); };
  auto finish = [&](const CtTuple& chosen) {
    table.set_reply(e, chosen.inverted());
    if (chosen != current) (manip == NatManip::kSource ? e.src_nat : e.dst_nat) = true;
    return true;
  };

  if (manip == NatManip::kDestination) {
    CtTuple chosen = current;
    chosen.dst = target->address;
    if (target->ports) chosen.dport = target->ports->first;
    return finish(chosen);  // a destination port is never searched for
  }

  auto in_range = [&](const CtTuple& t) {
    return t.src == target->address && (!target->ports || target->ports->contains(t.sport));
  };
  // 1. The source as it is, or the mapping this source already has for another connection.
  if (in_range(current)) {
    if (!used(current)) return finish(current);
  } else if (const CtEntry* sibling = table.find_by_source(current.src, current.sport, now)) {
    CtTuple chosen = current;
    chosen.src = sibling->reply().dst;
    chosen.sport = sibling->reply().dport;
    if (in_range(chosen) && !used(chosen)) return finish(chosen);
  }
  // 2. The new address, the same port if that is in range and unique.
  CtTuple chosen = current;
  chosen.src = target->address;
  if (target->ports) {
    if (target->ports->contains(chosen.sport) && (target->ports->first == target->ports->last || !used(chosen))) {
      return finish(chosen);
    }
  } else if (!used(chosen)) {
    return finish(chosen);
  }
  // 3. Search the range from a random offset, with fewer attempts each round.
  const PortSpan span = target->ports.value_or(default_span(current.sport));
  const size_t size = static_cast<size_t>(span.last - span.first) + 1;
  size_t attempts = std::min(size, kMaxAttempts);
  uint64_t offset = rng_.next_u32() & 0xFFFF;
  for (;;) {
    for (size_t i = 0; i < attempts; ++i, ++offset) {
      chosen.sport = static_cast<uint16_t>(span.first + offset % size);
      if (!used(chosen)) return finish(chosen);
    }
    if (attempts >= size || attempts < 16) return false;  // the range is full
    attempts /= 2;
    offset = rng_.next_u32() & 0xFFFF;
  }
}

void Nat::apply(const CtEntry& e, CtDir dir, NatManip manip, std::span<uint8_t> bytes, IpPacket& p) {
  // Answers undo the other manip: a reply's destination is rewritten where the original's
  // source was NATed, and the other way round.
  const bool original = dir == CtDir::kOriginal;
  const bool needed = manip == NatManip::kSource ? (original ? e.src_nat : e.dst_nat) : (original ? e.dst_nat : e.src_nat);
  if (!needed) return;
  const CtTuple target = e.tuple[original ? 1 : 0].inverted();
  if (manip == NatManip::kSource) set_source(bytes, p, target.src, target.sport);
  else set_destination(bytes, p, target.dst, target.dport);
}

}  // namespace phantasm::sim
