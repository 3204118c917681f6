#include "harness/memwire/window_checker.h"

#include <algorithm>
#include <sstream>

#include "engine/core/seq.h"
#include "engine/wire/packet.h"

namespace phantasm::memwire {
namespace {

namespace flag = wire::tcp::flag;

// The kernel's MAXACKWINDOW floor for the ACK lower bound.
constexpr uint32_t kMinAckWindow = 66000;

bool before(uint32_t a, uint32_t b) { return seq::before(a, b); }
bool after(uint32_t a, uint32_t b) { return seq::after(a, b); }

}  // namespace

std::string_view to_string(ConntrackRule rule) {
  switch (rule) {
#define PHANTASM_X(id, name, verdict) \
  case ConntrackRule::id:             \
    return name;
    PHANTASM_CONNTRACK_RULES(PHANTASM_X)
#undef PHANTASM_X
  }
  return "?";
}

Verdict verdict_of(ConntrackRule rule) {
  switch (rule) {
#define PHANTASM_X(id, name, verdict) \
  case ConntrackRule::id:             \
    return Verdict::verdict;
    PHANTASM_CONNTRACK_RULES(PHANTASM_X)
#undef PHANTASM_X
  }
  return Verdict::kInvalid;
}

struct WindowChecker::Observed {
  FourTuple tuple;  // local = sender
  uint32_t seq;
  uint32_t ack;
  uint32_t end;  // seq + payload, + 1 for SYN and FIN (sequence space consumed)
  uint16_t window;
  uint8_t flags;
  std::optional<uint8_t> window_scale;

  bool has(uint8_t f) const { return (flags & f) == f; }
  std::string describe() const {
    std::ostringstream out;
    out << tuple.to_string() << " flags=0x" << std::hex << int{flags} << std::dec << " seq=" << seq
        << " ack=" << ack << " len=" << (end - seq) << " win=" << window;
    return out.str();
  }
};

Verdict WindowChecker::note(ConntrackRule rule, const std::string& detail) {
  ++stats_.by_rule[static_cast<size_t>(rule)];
  const Verdict v = verdict_of(rule);
  if (log_.size() < config_.log_limit) {
    log_.push_back(std::string(v == Verdict::kInvalid ? "INVALID " : "IGNORED ") + std::string(to_string(rule)) +
                   ": " + detail);
  }
  return v;
}

Verdict WindowChecker::inspect(std::span<const uint8_t> packet) {
  ++stats_.packets;
  const auto parsed = wire::parse_packet(packet, wire::ChecksumPolicy::kVerify);
  Verdict verdict = Verdict::kAccept;
  if (!parsed) {
    verdict = note(ConntrackRule::kMalformed, std::string(to_string(parsed.error())));
  } else {
    const wire::Segment& s = *parsed;
    Observed seg{{{s.src, s.src_port}, {s.dst, s.dst_port}},
                 s.seq,
                 s.ack,
                 s.seq + static_cast<uint32_t>(s.payload.size()) + (s.has(flag::kSyn) ? 1u : 0u) +
                     (s.has(flag::kFin) ? 1u : 0u),
                 s.window,
                 s.flags,
                 s.options.window_scale};

    auto it = table_.find(seg.tuple);
    size_t dir = 0;
    if (it == table_.end()) {
      it = table_.find(seg.tuple.reversed());
      dir = 1;
    }
    if (it == table_.end()) {
      if ((seg.flags & (flag::kSyn | flag::kAck | flag::kRst)) == flag::kSyn) {
        // A new connection: the SYN's sender is the original direction.
        TrackedConnection conn;
        conn.original = seg.tuple;
        TrackedSide& sender = conn.side[0];
        sender.td_end = sender.td_maxend = seg.end;
        sender.td_maxwin = std::max<uint32_t>(seg.window, 1);
        sender.window_scale_seen = seg.window_scale.has_value();
        sender.td_scale = seg.window_scale.value_or(0);
        table_.emplace(seg.tuple, conn);
        ++stats_.connections;
      } else if (config_.loose) {
        TrackedConnection conn;
        conn.original = seg.tuple;
        conn.state = ConntrackState::kEstablished;
        conn.liberal = true;
        table_.emplace(seg.tuple, conn);
        ++stats_.picked_up;
        ++stats_.connections;
      } else {
        verdict = note(ConntrackRule::kNoConnection, seg.describe());
      }
    } else {
      bool close = false;
      verdict = classify(seg, it->second, dir, close);
      if (close) table_.erase(it);
    }
  }
  switch (verdict) {
    case Verdict::kAccept: ++stats_.accepted; break;
    case Verdict::kIgnore: ++stats_.ignored; break;
    case Verdict::kInvalid: ++stats_.invalid; break;
  }
  return verdict;
}

Verdict WindowChecker::classify(const Observed& seg, TrackedConnection& conn, size_t dir, bool& close) {
  TrackedSide& sender = conn.side[dir];
  TrackedSide& receiver = conn.side[1 - dir];
  const bool syn = seg.has(flag::kSyn);
  const bool ack_flag = seg.has(flag::kAck);

  if (conn.liberal) {
    close = seg.has(flag::kRst);
    return Verdict::kAccept;
  }

  // State transitions that decide before the window is looked at.
  if (syn && !ack_flag) {
    if (conn.state != ConntrackState::kSynSent || dir != 0) {
      return note(ConntrackRule::kSynInEstablished, seg.describe());
    }
    // A retransmitted SYN; a SYN with a higher sequence number starts over (RFC 793).
    if (after(seg.end, sender.td_end)) {
      sender.td_end = sender.td_maxend = seg.end;
      sender.td_maxwin = std::max<uint32_t>(seg.window, 1);
    }
    return Verdict::kAccept;
  }
  if (syn && ack_flag) {
    if (dir == 0) return note(ConntrackRule::kSynAckFromOriginal, seg.describe());
    if (conn.state == ConntrackState::kEstablished) return note(ConntrackRule::kSynInEstablished, seg.describe());
    if (conn.state == ConntrackState::kSynSent || after(seg.end, sender.td_end)) {
      // tcp_init_sender for the reply direction, and RFC 7323's rule: scaling applies only
      // when both handshake segments carried the option.
      sender.td_end = sender.td_maxend = seg.end;
      sender.td_maxwin = std::max<uint32_t>(seg.window, 1);
      sender.window_scale_seen = seg.window_scale.has_value();
      sender.td_scale = seg.window_scale.value_or(0);
      if (!(sender.window_scale_seen && receiver.window_scale_seen)) sender.td_scale = receiver.td_scale = 0;
      conn.state = ConntrackState::kSynRecv;
    }
  } else if (conn.state == ConntrackState::kSynSent && dir == 1 && !seg.has(flag::kRst)) {
    return note(ConntrackRule::kAckInSynSent, seg.describe());
  }

  // tcp_in_window. A segment without ACK (or a RST+ACK with ack 0) acknowledges nothing new.
  uint32_t ack = seg.ack;
  if (!ack_flag || (seg.has(flag::kRst) && ack == 0)) ack = receiver.td_end;
  const uint32_t bounded = config_.upper_bound == UpperBound::kSegmentEnd ? seg.end : seg.seq;
  const bool seq_ok = !after(bounded, sender.td_maxend);
  const bool ack_ok = before(ack, receiver.td_end + 1);
  const bool in_recv_win = receiver.td_maxwin == 0 || after(seg.end, sender.td_end - receiver.td_maxwin - 1);
  const bool ack_recent = after(ack, receiver.td_end - std::max(sender.td_maxwin, kMinAckWindow) - 1);

  if (!(seq_ok && ack_ok && in_recv_win && ack_recent)) {
    std::ostringstream d;
    d << seg.describe() << " | sender td_end=" << sender.td_end << " td_maxend=" << sender.td_maxend
      << " | receiver td_end=" << receiver.td_end << " td_maxwin=" << receiver.td_maxwin
      << " scale=" << int{receiver.td_scale};
    if (!seq_ok) {
      // Over the receiver's window. The kernel lets a segment overshoot by up to one receiver
      // window (IGNORED, but td_end follows so that the peer's ACK of it stays valid).
      const uint32_t overshot = seg.end - sender.td_maxend + 1;
      if (in_recv_win && ack_recent && ack_ok && overshot <= receiver.td_maxwin) {
        sender.td_end = seg.end;
        sender.data_unacknowledged = true;
        return note(ConntrackRule::kSeqOvershoot, d.str() + " overshot=" + std::to_string(overshot));
      }
      return note(ConntrackRule::kSeqOverUpperBound, d.str());
    }
    if (!ack_ok) return note(ConntrackRule::kAckOverUpperBound, d.str());
    if (!in_recv_win) return note(ConntrackRule::kSeqUnderLowerBound, d.str());
    return note(ConntrackRule::kAckUnderLowerBound, d.str());
  }

  // Accepted: update both sides. Windows of non-SYN segments are scaled.
  uint32_t win = seg.window;
  if (!syn) win <<= sender.td_scale;
  sender.td_maxwin = std::max(sender.td_maxwin, win);
  if (after(seg.end, sender.td_end)) {
    sender.td_end = seg.end;
    sender.data_unacknowledged = true;
  }
  if (receiver.td_maxwin != 0 && after(seg.end, sender.td_maxend)) receiver.td_maxwin += seg.end - sender.td_maxend;
  if (after(ack + win, receiver.td_maxend - 1)) receiver.td_maxend = ack + win + (win == 0 ? 1 : 0);
  if (ack == receiver.td_end) receiver.data_unacknowledged = false;

  if (seg.has(flag::kRst)) {
    close = true;
  } else if (conn.state == ConntrackState::kSynRecv && dir == 0 && ack_flag) {
    conn.state = ConntrackState::kEstablished;
  }
  return Verdict::kAccept;
}

void WindowChecker::operator()(Direction, std::span<const uint8_t> packet, const Emit& emit) {
  if (inspect(packet) == Verdict::kInvalid && config_.drop_invalid) {
    ++stats_.dropped;
    return;
  }
  emit(packet);
}

std::vector<TrackedConnection> WindowChecker::connections() const {
  std::vector<TrackedConnection> out;
  out.reserve(table_.size());
  for (const auto& [tuple, conn] : table_) out.push_back(conn);
  return out;
}

}  // namespace phantasm::memwire
