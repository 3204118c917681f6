#include "sim/model/tcp_conntrack.h"

#include "engine/core/seq.h"

namespace phantasm::sim {
namespace {

using seq::after;
using seq::before;
using S = TcpCtState;

// The kernel's "sIV" and "sIG" beside the real states.
enum : uint8_t { kIv = 10, kIg = 11 };

constexpr uint8_t s(S x) { return static_cast<uint8_t>(x); }

// tcp_conntracks[dir][index][old state]: the state a packet moves the connection to, or
// kIv (invalid) / kIg (ignored). Columns: NONE SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT
// CLOSE_WAIT LAST_ACK TIME_WAIT CLOSE SYN_SENT2.
constexpr uint8_t kNo = s(S::kNone), kSs = s(S::kSynSent), kSr = s(S::kSynRecv), kEs = s(S::kEstablished),
                  kFw = s(S::kFinWait), kCw = s(S::kCloseWait), kLa = s(S::kLastAck), kTw = s(S::kTimeWait),
                  kCl = s(S::kClose), kS2 = s(S::kSynSent2);

constexpr uint8_t kTable[2][6][kTcpCtStates] = {
    {
        // ORIGINAL
        /* syn    */ {kSs, kSs, kIg, kIg, kIg, kIg, kIg, kSs, kSs, kS2},
        /* synack */ {kIv, kIv, kSr, kIv, kIv, kIv, kIv, kIv, kIv, kSr},
        /* fin    */ {kIv, kIv, kFw, kFw, kLa, kLa, kLa, kTw, kCl, kIv},
        /* ack    */ {kEs, kIv, kEs, kEs, kCw, kCw, kTw, kTw, kCl, kIv},
        /* rst    */ {kIv, kCl, kCl, kCl, kCl, kCl, kCl, kCl, kCl, kCl},
        /* none   */ {kIv, kIv, kIv, kIv, kIv, kIv, kIv, kIv, kIv, kIv},
    },
    {
        // REPLY
        /* syn    */ {kIv, kS2, kIv, kIv, kIv, kIv, kIv, kSs, kIv, kS2},
        /* synack */ {kIv, kSr, kIg, kIg, kIg, kIg, kIg, kIg, kIg, kSr},
        /* fin    */ {kIv, kIv, kFw, kFw, kLa, kLa, kLa, kTw, kCl, kIv},
        /* ack    */ {kIv, kIg, kSr, kEs, kCw, kCw, kTw, kTw, kCl, kIg},
        /* rst    */ {kIv, kCl, kCl, kCl, kCl, kCl, kCl, kCl, kCl, kCl},
        /* none   */ {kIv, kIv, kIv, kIv, kIv, kIv, kIv, kIv, kIv, kIv},
    },
};
// Silence "unused" for the NONE column name: it documents the table.
static_assert(kNo == 0);

constexpr uint32_t kMaxAckWindowConst = 66000;

uint32_t max_ack_window(const TcpConntrack::Side& sender) {
  return sender.td_maxwin > kMaxAckWindowConst ? sender.td_maxwin : kMaxAckWindowConst;
}

// Flag combinations conntrack accepts; PSH, ECE and CWR are ignored.
bool valid_flags(uint8_t flags) {
  using namespace tcp_flag;
  switch (flags & static_cast<uint8_t>(~(kEce | kCwr | kPsh))) {
    case kSyn:
    case kSyn | kUrg:
    case kSyn | kAck:
    case kRst:
    case kRst | kAck:
    case kFin | kAck:
    case kFin | kAck | kUrg:
    case kAck:
    case kAck | kUrg:
      return true;
    default:
      return false;
  }
}

uint32_t be32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(b[at]) << 24 | static_cast<uint32_t>(b[at + 1]) << 16 |
         static_cast<uint32_t>(b[at + 2]) << 8 | b[at + 3];
}

// Applies tcp_options() to a side: options present reset the scale and the option flags
// (BE_LIBERAL survives); no options leave the side as it was.
void apply_options(TcpConntrack::Side& side, std::span<const uint8_t> options) {
  if (options.empty()) return;
  const TcpHandshakeOptions o = read_handshake_options(options);
  side.td_scale = 0;
  side.flags &= TcpConntrack::kFlagBeLiberal;
  if (o.sack_permitted) side.flags |= TcpConntrack::kFlagSackPerm;
  if (o.window_scale) {
    side.td_scale = o.scale;
    side.flags |= TcpConntrack::kFlagWindowScale;
  }
}

bool can_early_drop(TcpCtState st) {
  return st == S::kFinWait || st == S::kLastAck || st == S::kTimeWait || st == S::kClose || st == S::kCloseWait;
}

}  // namespace

std::string_view to_string(TcpCtState st) {
  static constexpr std::string_view kNames[] = {"NONE",       "SYN_SENT", "SYN_RECV",  "ESTABLISHED", "FIN_WAIT",
                                                "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE",       "SYN_SENT2"};
  return kNames[static_cast<size_t>(st)];
}

std::string_view to_string(TcpVerdict v) {
  switch (v) {
    case TcpVerdict::kAccept: return "accept";
    case TcpVerdict::kIgnore: return "ignore";
    case TcpVerdict::kInvalid: return "invalid";
    case TcpVerdict::kReopen: return "reopen";
  }
  return "?";
}

TcpHandshakeOptions read_handshake_options(std::span<const uint8_t> options) {
  TcpHandshakeOptions o;
  size_t i = 0;
  size_t length = options.size();
  while (length > 0) {
    const uint8_t kind = options[i++];
    if (kind == 0) break;  // end of list
    if (kind == 1) {       // NOP
      --length;
      continue;
    }
    if (length < 2) break;
    const uint8_t size = options[i++];
    if (size < 2 || size > length) break;  // silly or partial option: stop reading
    if (kind == 4 && size == 2) o.sack_permitted = true;
    if (kind == 3 && size == 3) {
      o.window_scale = true;
      o.scale = options[i] > 14 ? 14 : options[i];
    }
    i += size - 2;
    length -= size;
  }
  return o;
}

uint32_t highest_sack(std::span<const uint8_t> options, uint32_t ack) {
  uint32_t sack = ack;
  // A timestamp-only header (NOP NOP TS) is the common case; nothing to find there.
  if (options.size() == 12 && options[0] == 1 && options[1] == 1 && options[2] == 8 && options[3] == 10) return sack;
  size_t i = 0;
  size_t length = options.size();
  while (length > 0) {
    const uint8_t kind = options[i++];
    if (kind == 0) break;
    if (kind == 1) {
      --length;
      continue;
    }
    if (length < 2) break;
    const uint8_t size = options[i++];
    if (size < 2 || size > length) break;
    if (kind == 5 && size >= 10 && (size - 2) % 8 == 0) {
      for (size_t block = 0; block < static_cast<size_t>(size - 2); block += 8) {
        const uint32_t right = be32(options, i + block + 4);
        if (after(right, sack)) sack = right;
      }
      return sack;  // only the first SACK option counts
    }
    i += size - 2;
    length -= size;
  }
  return sack;
}

bool TcpConntrack::is_malformed(const TcpFields& tcp, bool checksum_ok, bool check_checksum) {
  if (!tcp.has_header || !tcp.header_complete) return true;  // "truncated packet"
  if (check_checksum && !checksum_ok) return true;            // "bad checksum"
  return !valid_flags(tcp.flags);                              // "invalid tcp flag combination"
}

TcpConntrack::Index TcpConntrack::index_of(uint8_t flags) {
  if (flags & tcp_flag::kRst) return kRst;
  if (flags & tcp_flag::kSyn) return (flags & tcp_flag::kAck) ? kSynAck : kSyn;
  if (flags & tcp_flag::kFin) return kFin;
  if (flags & tcp_flag::kAck) return kAck;
  return kNone;
}

std::optional<TcpConntrack> TcpConntrack::open(const TcpFields& tcp, const TcpCtSettings& settings) {
  const uint8_t next = kTable[0][index_of(tcp.flags)][s(S::kNone)];
  if (next >= kIv) return std::nullopt;  // "invalid new"
  TcpConntrack c;
  Side& first = c.seen(CtDir::kOriginal);
  first.td_end = tcp.end();
  first.td_maxwin = tcp.window == 0 ? 1 : tcp.window;
  if (next == s(S::kSynSent)) {
    first.td_maxend = first.td_end;
    apply_options(first, tcp.options);
  } else {
    // Picked up mid-stream (loose): the history is lost, so guess from this packet and be
    // liberal in both directions from now on, since the window scale is unknown.
    if (!settings.loose) return std::nullopt;
    first.td_maxend = first.td_end + first.td_maxwin;
    first.flags = kFlagSackPerm | kFlagBeLiberal;
    c.seen(CtDir::kReply).flags = kFlagSackPerm | kFlagBeLiberal;
  }
  c.last_index_ = kNone;
  return c;
}

void TcpConntrack::init_sender(CtDir dir, const TcpFields& tcp, uint32_t end, uint32_t win) {
  Side& sender = seen(dir);
  Side& receiver = seen(other(dir));
  sender.td_end = end;
  sender.td_maxend = end;
  sender.td_maxwin = win == 0 ? 1 : win;
  apply_options(sender, tcp.options);
  // RFC 1323: scaling counts only when both SYN and SYN-ACK carry the option.
  if (dir == CtDir::kReply && !((sender.flags & kFlagWindowScale) && (receiver.flags & kFlagWindowScale))) {
    sender.td_scale = 0;
    receiver.td_scale = 0;
  }
}

TcpVerdict TcpConntrack::in_window(CtDir dir, Index index, const TcpFields& tcp, const TcpCtSettings& settings) {
  Side& sender = seen(dir);
  Side& receiver = seen(other(dir));
  uint32_t seq = tcp.seq;
  uint32_t ack = tcp.ack;
  uint32_t sack = ack;
  const uint16_t win_raw = tcp.window;
  uint32_t win = win_raw;
  uint32_t end = tcp.end();
  if (receiver.flags & kFlagSackPerm) sack = highest_sack(tcp.options, sack);

  if (sender.td_maxwin == 0) {
    if (tcp.syn()) {
      init_sender(dir, tcp, end, win);
      if (!tcp.ack_flag()) return TcpVerdict::kAccept;  // simultaneous open
    } else {
      // First packet seen from this side mid-connection: learn from it.
      sender.td_end = end;
      const uint32_t swin = win << sender.td_scale;
      sender.td_maxwin = swin == 0 ? 1 : swin;
      sender.td_maxend = end + sender.td_maxwin;
      if (receiver.td_maxwin == 0) {
        receiver.td_end = sack;  // nothing from the other side either: pass checks III and IV
        receiver.td_maxend = sack;
      } else if (sack == receiver.td_end + 1) {
        ++receiver.td_end;  // likely the answer to a keepalive
      }
    }
  } else if (tcp.syn() && after(end, sender.td_end) && (state_ == S::kSynSent || state_ == S::kSynRecv)) {
    // A re-sent SYN (or SYN-ACK) with new numbers or options starts this direction afresh.
    init_sender(dir, tcp, end, win);
    if (dir == CtDir::kReply && !tcp.ack_flag()) return TcpVerdict::kAccept;
  }

  if (!tcp.ack_flag()) {
    ack = sack = receiver.td_end;  // no ACK: pretend it acknowledged everything
  } else if (tcp.rst() && ack == 0) {
    ack = sack = receiver.td_end;  // RST+ACK with a zero ack from broken stacks
  }
  if (tcp.rst() && seq == 0 && state_ == S::kSynSent) {
    seq = end = sender.td_end;  // RST answering a SYN
  }

  // A window failure is IGNORE or INVALID, except that be_liberal (the sysctl, or a picked-up
  // connection) lets it through as if accepted, with nothing learnt from it.
  const bool liberal = settings.be_liberal || (sender.flags & kFlagBeLiberal);
  auto failure = [liberal](TcpVerdict v) { return liberal ? TcpVerdict::kAccept : v; };

  if (!before(seq, sender.td_maxend + 1)) {  // I: beyond the receiver's window
    const uint32_t overshot = end - sender.td_maxend + 1;
    const bool ack_ok = after(sack, receiver.td_end - max_ack_window(sender) - 1);
    const bool in_recv_win = receiver.td_maxwin != 0 && after(end, sender.td_end - receiver.td_maxwin - 1);
    if (in_recv_win && ack_ok && overshot <= receiver.td_maxwin && before(sack, receiver.td_end + 1)) {
      // At most one window too far: a sender overrunning the window. Learn its end so that the
      // peer's ACK of these bytes does not fail check III later.
      sender.td_end = end;
      sender.flags |= kFlagDataUnacknowledged;
      return failure(TcpVerdict::kIgnore);
    }
    return failure(TcpVerdict::kInvalid);  // "SEQ is over upper bound"
  }
  if (!before(sack, receiver.td_end + 1)) {
    return failure(TcpVerdict::kInvalid);  // III: "ACK is over upper bound (ACKed data not seen yet)"
  }
  const bool in_recv_win = receiver.td_maxwin == 0 || after(end, sender.td_end - receiver.td_maxwin - 1);
  if (!in_recv_win) return failure(TcpVerdict::kIgnore);  // II: old data retransmitted
  if (!after(sack, receiver.td_end - max_ack_window(sender) - 1)) {
    return failure(TcpVerdict::kIgnore);  // IV: ACK under the lower bound
  }

  if (!tcp.syn()) win <<= sender.td_scale;
  const uint32_t swin = win + (sack - ack);
  if (sender.td_maxwin < swin) sender.td_maxwin = swin;
  if (after(end, sender.td_end)) {
    sender.td_end = end;
    sender.flags |= kFlagDataUnacknowledged;
  }
  if (tcp.ack_flag()) {
    if (!(sender.flags & kFlagMaxAckSet)) {
      sender.td_maxack = ack;
      sender.flags |= kFlagMaxAckSet;
    } else if (after(ack, sender.td_maxack)) {
      sender.td_maxack = ack;
    }
  }
  if (receiver.td_maxwin != 0 && after(end, sender.td_maxend)) receiver.td_maxwin += end - sender.td_maxend;
  if (after(sack + win, receiver.td_maxend - 1)) {
    receiver.td_maxend = sack + win;
    if (win == 0) ++receiver.td_maxend;
  }
  if (ack == receiver.td_end) receiver.flags &= static_cast<uint8_t>(~kFlagDataUnacknowledged);

  // The same pure ACK again and again: a retransmission the peer does not answer.
  if (index == kAck) {
    if (last_dir_ == dir && last_seq_ == seq && last_ack_ == ack && last_end_ == end && last_win_ == win_raw) {
      if (retrans_ < 255) ++retrans_;
    } else {
      last_dir_ = dir;
      last_seq_ = seq;
      last_ack_ = ack;
      last_end_ = end;
      last_win_ = win_raw;
      retrans_ = 0;
    }
  }
  return TcpVerdict::kAccept;
}

std::optional<Duration> TcpConntrack::handle_invalid(CtDir dir, Index index, const CtStatus& status, Duration remaining,
                                                     const TcpCtSettings& settings) {
  if (!status.assured) return std::nullopt;
  if (index != kRst && index != kFin) return std::nullopt;
  if (last_dir_ != dir && (last_index_ == kFin || last_index_ == kRst)) {
    // An out-of-window FIN/RST answering the peer's: the connection is likely dead, so give
    // it the UNACK timeout instead of days.
    if (remaining < std::chrono::seconds(120)) return std::nullopt;
    if (remaining > settings.timeouts.unack) return settings.timeouts.unack;
    return std::nullopt;
  }
  last_index_ = index;
  last_dir_ = dir;
  return std::nullopt;
}

void TcpConntrack::note_ignored(CtDir dir, Index index, const TcpFields& tcp, TcpCtState old_state) {
  last_index_ = index;
  last_dir_ = dir;
  last_seq_ = tcp.seq;
  last_end_ = tcp.end();
  last_win_ = tcp.window;
  if (index == kSyn && dir == CtDir::kOriginal) {
    // A SYN for an entry we think is alive: remember its options, so that if the server
    // answers it with a SYN-ACK we can resynchronise from them.
    last_flags_ = 0;
    last_wscale_ = 0;
    const TcpHandshakeOptions o = tcp.options.empty() ? TcpHandshakeOptions{} : read_handshake_options(tcp.options);
    if (o.window_scale) {
      last_flags_ |= kFlagWindowScale;
      last_wscale_ = o.scale;
    }
    if (o.sack_permitted) last_flags_ |= kFlagSackPerm;
    if (old_state == S::kLastAck) last_flags_ |= kFlagChallengeAck;
  }
  if (old_state == S::kSynSent && index == kAck && dir == CtDir::kReply) last_ack_ = tcp.ack;
}

TcpConntrack::Result TcpConntrack::on_packet(CtDir dir, const TcpFields& tcp, CtStatus& status, Duration remaining,
                                             const TcpCtSettings& settings) {
  TcpCtState old_state = state_;
  const Index index = index_of(tcp.flags);
  uint8_t next = kTable[static_cast<size_t>(dir)][index][s(old_state)];
  bool skip_window = false;

  switch (next) {
    case s(S::kSynSent):
      if (old_state < S::kTimeWait) break;
      // A SYN on a closed or aborted connection: this entry goes, the SYN opens a new one.
      if (((seen(dir).flags | seen(other(dir)).flags) & kFlagCloseInit) ||
          (last_dir_ == dir && last_index_ == kRst)) {
        return {TcpVerdict::kReopen, std::nullopt, true};
      }
      [[fallthrough]];
    case kIg:
      if (index == kSynAck && last_index_ == kSyn && last_dir_ != dir && tcp.ack == last_end_) {
        // The SYN-ACK answers a SYN we ignored: both ends are in sync and we are not. Take
        // the handshake from what we noted about that SYN.
        old_state = S::kSynSent;
        next = s(S::kSynRecv);
        Side& syn_side = seen(last_dir_);
        syn_side.td_end = last_end_;
        syn_side.td_maxend = last_end_;
        syn_side.td_maxwin = last_win_ == 0 ? 1 : last_win_;
        syn_side.td_scale = last_wscale_;
        last_flags_ &= static_cast<uint8_t>(~kFlagChallengeAck);
        syn_side.flags = last_flags_;
        Side& mine = seen(dir);
        mine.td_end = mine.td_maxend = mine.td_maxwin = mine.td_maxack = 0;
        mine.td_scale = 0;
        mine.flags &= kFlagBeLiberal;
        break;
      }
      note_ignored(dir, index, tcp, old_state);
      return {TcpVerdict::kIgnore, std::nullopt, false};
    case kIv:
      return {TcpVerdict::kInvalid, std::nullopt, false};
    case s(S::kTimeWait):
      if (old_state == S::kLastAck && index == kAck && last_dir_ != dir && last_index_ == kSyn &&
          (last_flags_ & kFlagChallengeAck)) {
        // The peer's challenge ACK to a SYN, not the ACK of the last FIN.
        last_flags_ &= static_cast<uint8_t>(~kFlagChallengeAck);
        return {TcpVerdict::kAccept, std::nullopt, false};
      }
      break;
    case s(S::kSynSent2):
      last_flags_ |= kFlagSimultaneousOpen;
      break;
    case s(S::kSynRecv):
      if (dir == CtDir::kReply && index == kAck && (last_flags_ & kFlagSimultaneousOpen)) next = s(S::kEstablished);
      break;
    case s(S::kClose): {
      if (index != kRst) break;
      if (can_early_drop(old_state)) {
        skip_window = true;  // closing anyway: the tuple may be in use again, skip the checks
        break;
      }
      const Side& peer = seen(other(dir));
      const bool established = state_ == S::kEstablished && status.assured;
      if ((peer.flags & kFlagMaxAckSet) && last_index_ != kSyn) {
        const uint32_t rst_seq = tcp.seq;
        if (rst_seq == 0 && !established) break;  // answering a SYN we let through
        if (before(rst_seq, peer.td_maxack) && !settings.ignore_invalid_rst) {
          return {TcpVerdict::kInvalid, std::nullopt, false};  // "invalid rst"
        }
        if (!established || rst_seq == peer.td_maxack) break;
        if (last_index_ == kAck && last_dir_ == dir && rst_seq == last_end_) break;  // RST after data
        // Not exactly at the acknowledged point: keep the state, a challenge ACK may follow.
        next = s(old_state);
      }
      if (((status.seen_reply && last_index_ == kSyn) || (!status.assured && last_index_ == kAck)) &&
          tcp.ack == last_end_) {
        skip_window = true;  // RST to a SYN or half-open ACK we let through
        break;
      }
      if (old_state == S::kSynSent && last_index_ == kAck && last_dir_ == CtDir::kReply && tcp.seq == last_ack_) {
        skip_window = true;  // RST to a challenge ACK we let through
      }
      break;
    }
    default:
      break;
  }

  if (!skip_window) {
    const TcpVerdict v = in_window(dir, index, tcp, settings);
    if (v == TcpVerdict::kIgnore) return {TcpVerdict::kIgnore, std::nullopt, false};
    if (v == TcpVerdict::kInvalid) return {TcpVerdict::kInvalid, handle_invalid(dir, index, status, remaining, settings), false};
  }

  last_index_ = index;
  last_dir_ = dir;
  const auto new_state = static_cast<TcpCtState>(next);
  state_ = new_state;
  if (old_state != new_state && new_state == S::kFinWait) seen(dir).flags |= kFlagCloseInit;

  const TcpTimeouts& t = settings.timeouts;
  Duration timeout = t.of(new_state);
  if (retrans_ >= settings.max_retrans && timeout > t.retrans) {
    timeout = t.retrans;
  } else if (index == kRst) {
    timeout = t.of(S::kClose);
  } else if (((seen_[0].flags | seen_[1].flags) & kFlagDataUnacknowledged) && timeout > t.unack) {
    timeout = t.unack;
  } else if (last_win_ == 0 && timeout > t.retrans) {
    timeout = t.retrans;
  }

  if (!status.seen_reply) {
    // Only a RST came back: no connection was ever established; drop the entry now.
    if (tcp.rst()) return {TcpVerdict::kAccept, std::nullopt, true};
    // A re-sent SYN must not keep the entry (and its NAT mapping) alive forever.
    if (index == kSyn && old_state == S::kSynSent) return {TcpVerdict::kAccept, std::nullopt, false};
    // Picked up mid-stream and never answered: no long ESTABLISHED timeout yet.
    if (new_state == S::kEstablished && timeout > t.unack) timeout = t.unack;
  } else if (!status.assured && (old_state == S::kSynRecv || old_state == S::kEstablished) &&
             new_state == S::kEstablished) {
    status.assured = true;
  }
  return {TcpVerdict::kAccept, timeout, false};
}

}  // namespace phantasm::sim
