#include "engine/endpoint/connection.h"

#include <algorithm>
#include <cstring>

#include "engine/core/seq.h"
#include "engine/wire/phantun_segments.h"

namespace phantasm {

namespace flag = wire::tcp::flag;
namespace phantun = wire::phantun;

namespace {

// Adds to a traffic counter of the connection and of the endpoint's totals.
void bump(TrafficCounters& own, EndpointCounters& totals, uint64_t TrafficCounters::*field, uint64_t n = 1) {
  own.*field += n;
  totals.traffic.*field += n;
}

constexpr uint64_t kUnscaledWindow = 0xFFFF;

Time latest(Time a, Time b) {
  if (a.is_never()) return b;
  if (b.is_never()) return a;
  return a > b ? a : b;
}

}  // namespace

Connection::Connection(FlowId id, const FourTuple& tuple, const SocketAddress& udp_peer, uint64_t session, Time now)
    : id_(id),
      tuple_(tuple),
      udp_peer_(udp_peer),
      role_(Role::kClient),
      state_(ConnState::kSynSent),
      session_(session & wire::kSessionMask),
      opened_(now),
      last_datagram_(now),
      last_inbound_(now) {}

Connection::Connection(FlowId id, const FourTuple& tuple, const wire::Segment& syn, uint32_t iss,
                       const EngineConfig& config, Time now)
    : id_(id), tuple_(tuple), role_(Role::kServer), state_(ConnState::kSynReceived), opened_(now), last_datagram_(now) {
  const auto& offered = syn.options.phantasm;
  if (config.compat == Compat::kPhantasm || (config.compat == Compat::kAuto && offered)) {
    peer_kind_ = PeerKind::kPhantasm;
    session_ = offered ? offered->session : 0;
  }
  iss_ = iss;
  snd_nxt_ = iss;
  irs_ = syn.seq;
  rcv_nxt_ = syn.seq + 1;
  last_ack_sent_ = rcv_nxt_;
  peer_window_bytes_ = syn.window;
  peer_window_scale_ = syn.options.window_scale;
  scaling_off_ = !syn.options.window_scale;
  last_inbound_ = now;
}

std::optional<wire::PhantasmHello> Connection::hello(const EngineConfig& config) const {
  if (config.compat == Compat::kPhantun) return std::nullopt;
  // The server only answers a hello; it never offers one to a client that did not.
  if (role_ == Role::kServer && peer_kind_ != PeerKind::kPhantasm) return std::nullopt;
  wire::PhantasmHello h;
  h.session = session_;
  if (role_ == Role::kServer && scaling_off_) h.flags |= wire::kHelloSynLackedWindowScale;
  return h;
}

void Connection::start(ConnectionHost& host, Time now) {
  if (role_ == Role::kServer) {
    const EngineConfig& config = host.config();
    host.counters().handshakes_started++;
    send_handshake(host);
    handshake_deadline_ = now + config.handshake_timeout;
    return;
  }
  if (host.config().compat == Compat::kPhantasm) peer_kind_ = PeerKind::kPhantasm;
  begin_client_handshake(host, now);
}

void Connection::begin_client_handshake(ConnectionHost& host, Time now) {
  // Phantun servers accept only ISN 0 (phantun-wire.md §0); a proven Phantasm server takes any.
  iss_ = peer_kind_ == PeerKind::kPhantasm ? static_cast<uint32_t>(host.random()) : 0;
  snd_nxt_ = iss_;
  rcv_nxt_ = 0;
  last_ack_sent_ = 0;
  peer_ack_ = 0;
  peer_window_bytes_ = 0;
  peer_window_scale_.reset();
  scaling_off_ = false;
  handshakes_sent_ = 0;
  state_ = ConnState::kSynSent;
  host.counters().handshakes_started++;
  send_handshake(host);
  handshake_deadline_ = now + host.config().handshake_timeout;
}

void Connection::send_handshake(ConnectionHost& host, bool answering) {
  if (handshakes_sent_ > 0) host.counters().handshake_retransmits++;
  if (!answering || handshakes_sent_ == 0) ++handshakes_sent_;
  auto header = role_ == Role::kClient ? phantun::syn(tuple_, iss_) : phantun::syn_ack(tuple_, iss_, rcv_nxt_);
  header.phantasm = hello(host.config());
  send_control(host, header);
}

void Connection::on_segment(ConnectionHost& host, const wire::Segment& seg, Time now) {
  if (closed()) return;
  switch (state_) {
    case ConnState::kSynSent:
      on_segment_syn_sent(host, seg, now);
      break;
    case ConnState::kSynReceived:
      on_segment_syn_received(host, seg, now);
      break;
    case ConnState::kEstablished:
      on_segment_established(host, seg, now);
      break;
    case ConnState::kBackoff:
    case ConnState::kDetached:
      drop(host, DropReason::kUnexpectedSegment);  // no tuple is registered; cannot happen
      break;
  }
}

void Connection::on_segment_syn_sent(ConnectionHost& host, const wire::Segment& seg, Time now) {
  if (seg.has(flag::kRst)) {
    // RFC 9293 §3.10.7.3: in SYN-SENT a RST is acceptable if it acknowledges our SYN. Phantun
    // answers a SYN to a port it does not serve with ack = seq (no +1), so accept that too.
    if (seg.has(flag::kAck) && (seg.ack == iss_ + 1 || seg.ack == iss_)) {
      host.counters().resets_received++;
      host.counters().handshakes_failed++;
      lose_path(host, now, PathLoss::kReset);
      return;
    }
    drop(host, DropReason::kRstOutOfWindow);
    return;
  }
  if (seg.has(flag::kSyn | flag::kAck)) {
    if (seg.ack != iss_ + 1) {
      drop(host, DropReason::kBadHandshakeAck);
      return;
    }
    irs_ = seg.seq;
    rcv_nxt_ = seg.seq + 1;
    peer_window_scale_ = seg.options.window_scale;
    // Scaling is off for every middlebox if the SYN-ACK arrived without it, or if a Phantasm
    // server says our SYN arrived without it.
    scaling_off_ = !seg.options.window_scale ||
                   (seg.options.phantasm && (seg.options.phantasm->flags & wire::kHelloSynLackedWindowScale));
    snd_nxt_ = iss_ + 1;
    if (host.config().compat == Compat::kAuto) {
      peer_kind_ = seg.options.phantasm && seg.options.phantasm->session == session_ ? PeerKind::kPhantasm
                                                                                   : PeerKind::kPhantun;
    }
    last_inbound_ = now;
    note_peer_ack(seg);
    establish(host, now);
    send_pure_ack(host);  // the handshake ACK
    send_handshake_packet(host, now);
    for (auto& stored : pending_) {
      send_data(host, stored, wire::kHeadroom, stored.size() - wire::kHeadroom, now);
    }
    pending_.clear();
    pending_.shrink_to_fit();
    return;
  }
  drop(host, DropReason::kUnexpectedSegment);
}

void Connection::on_segment_syn_received(ConnectionHost& host, const wire::Segment& seg, Time now) {
  if (seg.has(flag::kRst)) {
    // rcv_nxt is the RFC's answer; a client giving up its handshake (Phantun, and us) sends its
    // RST at its ISN instead.
    if (seg.seq == rcv_nxt_ || seg.seq == irs_) {
      host.counters().resets_received++;
      lose_path(host, now, PathLoss::kReset);
    } else {
      drop(host, DropReason::kRstOutOfWindow);
    }
    return;
  }
  if (seg.has(flag::kSyn)) {
    if (seg.has(flag::kAck)) {
      drop(host, DropReason::kUnexpectedSegment);
      return;
    }
    // The client did not get our SYN-ACK: answer now rather than on our own timer (Phantun
    // waits). A different ISN is a fresh attempt on the same tuple: follow it.
    if (seg.seq != irs_) {
      irs_ = seg.seq;
      rcv_nxt_ = seg.seq + 1;
      last_ack_sent_ = rcv_nxt_;
      peer_window_scale_ = seg.options.window_scale;
      scaling_off_ = !seg.options.window_scale;
    }
    peer_window_bytes_ = seg.window;
    // Answer at once and restart our own timer, so that the client's retransmission and ours
    // do not both go out (an answered SYN does not use up one of our attempts).
    send_handshake(host, /*answering=*/true);
    handshake_deadline_ = now + host.config().handshake_timeout;
    return;
  }
  if (!seg.has(flag::kAck) || seg.ack != iss_ + 1) {
    drop(host, DropReason::kBadHandshakeAck);
    return;
  }
  if (!in_receive_window(host.config(), seg.seq)) {
    drop(host, DropReason::kDataOutOfWindow);
    return;
  }
  snd_nxt_ = iss_ + 1;
  last_inbound_ = now;
  note_peer_ack(seg);
  establish(host, now);
  send_handshake_packet(host, now);
  // The client's first data segment may overtake (or replace) its handshake ACK: it carries
  // the same acknowledgement, so it completes the handshake and its payload is kept.
  if (!seg.payload.empty()) accept_payload(host, seg, now);
}

void Connection::establish(ConnectionHost& host, Time now) {
  state_ = ConnState::kEstablished;
  handshake_deadline_ = Time::never();
  established_at_ = now;
  last_keepalive_ = Time::never();
  host.counters().handshakes_completed++;
  if (peer_kind_ == PeerKind::kPhantasm) host.counters().phantasm_peers++;
  host.established(*this);
}

void Connection::on_segment_established(ConnectionHost& host, const wire::Segment& seg, Time now) {
  const EngineConfig& config = host.config();
  if (seg.has(flag::kRst)) {
    on_rst(host, seg, now);
    return;
  }
  if (seg.has(flag::kSyn)) {
    if (role_ == Role::kClient && seg.has(flag::kAck) && seg.seq == irs_ && seg.ack == iss_ + 1) {
      // Our handshake ACK was lost and the server repeats its SYN-ACK: acknowledge again, or a
      // server that waits for the ACK (Phantun) gives up after three tries.
      send_pure_ack(host);
      return;
    }
    // RFC 5961 §4: a SYN on an established connection gets a challenge ACK, never a reset.
    send_challenge_ack(host, now);
    drop(host, DropReason::kUnexpectedSegment);
    return;
  }
  // RFC 5961 §5: the acknowledgement must also be plausible. Together with the sequence window
  // this is what a blind injector has to guess (docs/security.md has the odds).
  if (seg.has(flag::kAck)) {
    const int64_t ack_lag = -static_cast<int64_t>(seq::diff(seg.ack, snd_nxt_));
    if (ack_lag < 0) {
      drop(host, DropReason::kAckUnsent);
      return;
    }
    if (ack_lag > static_cast<int64_t>(config.rx_window_ahead)) {
      drop(host, DropReason::kAckTooOld);
      return;
    }
  }
  if (!in_receive_window(config, seg.seq)) {
    drop(host, DropReason::kDataOutOfWindow);
    return;
  }
  last_inbound_ = now;
  note_peer_ack(seg);
  if (!seg.payload.empty()) {
    accept_payload(host, seg, now);
    return;
  }
  // A segment without payload still tells us how far the peer has sent, and every middlebox
  // on the path saw that sequence number: acknowledging it is safe and clears conntrack's
  // "unacknowledged data" state even when the data before it was lost.
  if (seq::after(seg.seq, rcv_nxt_)) rcv_nxt_ = seg.seq;
  if (seg.has(flag::kPsh)) {
    // A keepalive probe (pure ACK with PSH): answer with a pure ACK, without PSH so that two
    // ends never answer each other forever. Rate-limited: a reply per probe interval at most.
    bump(traffic_, host.counters(), &TrafficCounters::keepalives_received);
    if (last_keepalive_reply_.is_never() || now - last_keepalive_reply_ >= config.challenge_ack_interval) {
      last_keepalive_reply_ = now;
      send_pure_ack(host);
      bump(traffic_, host.counters(), &TrafficCounters::keepalive_replies_sent);
    }
    return;
  }
  bump(traffic_, host.counters(), &TrafficCounters::pure_acks_received);
}

void Connection::on_rst(ConnectionHost& host, const wire::Segment& seg, Time now) {
  // RFC 5961 §3.2: only a RST at exactly rcv_nxt closes; one elsewhere in the window may be a
  // blind guess, so answer with a challenge ACK (a peer that really closed answers that with a
  // RST at our ack, which then closes). Outside the window: drop.
  if (seg.seq == rcv_nxt_) {
    host.counters().resets_received++;
    lose_path(host, now, PathLoss::kReset);
    return;
  }
  if (in_receive_window(host.config(), seg.seq)) {
    send_challenge_ack(host, now);
    drop(host, DropReason::kRstChallenged);
    return;
  }
  drop(host, DropReason::kRstOutOfWindow);
}

void Connection::accept_payload(ConnectionHost& host, const wire::Segment& seg, Time now) {
  const uint32_t end = seg.seq + static_cast<uint32_t>(seg.payload.size());
  if (seq::after(end, rcv_nxt_)) rcv_nxt_ = end;
  last_datagram_ = now;
  bump(traffic_, host.counters(), &TrafficCounters::datagrams_delivered);
  bump(traffic_, host.counters(), &TrafficCounters::bytes_delivered, seg.payload.size());
  host.deliver(*this, seg.payload);
  // Keep the peer inside the window a middlebox believes we offered (middleboxes.md §B.4).
  const uint32_t unacked = rcv_nxt_ - last_ack_sent_;
  if (unacked >= host.config().ack_every_bytes) {
    send_pure_ack(host);
  } else if (unacked > 0 && ack_deadline_.is_never()) {
    ack_deadline_ = now + host.config().ack_delay;
  }
}

bool Connection::in_receive_window(const EngineConfig& config, uint32_t seq_number) const {
  const int64_t d = seq::diff(seq_number, rcv_nxt_);
  return d <= static_cast<int64_t>(config.rx_window_ahead) && -d <= static_cast<int64_t>(config.rx_window_behind);
}

void Connection::note_peer_ack(const wire::Segment& seg) {
  if (!seg.has(flag::kAck)) return;
  if (seq::at_or_after(seg.ack, peer_ack_) || peer_ack_ == 0) {
    peer_ack_ = seg.ack;
    // RFC 7323 §2.2: the window of a SYN or SYN-ACK is never scaled; later ones are, when both
    // SYNs carried the option (ours always does).
    const uint8_t shift = seg.has(flag::kSyn) ? 0 : peer_window_scale_.value_or(0);
    peer_window_bytes_ = static_cast<uint64_t>(seg.window) << shift;
  }
}

void Connection::on_datagram(ConnectionHost& host, DatagramBuffer datagram, Time now) {
  if (closed()) {
    drop(host, DropReason::kFlowClosed);
    return;
  }
  switch (state_) {
    case ConnState::kSynSent: {
      last_datagram_ = now;
      if (pending_.size() >= host.config().max_pending_datagrams) {
        drop(host, DropReason::kPendingQueueFull);
        return;
      }
      std::vector<uint8_t> stored(wire::kHeadroom + datagram.length);
      const auto payload = datagram.payload();
      std::copy(payload.begin(), payload.end(), stored.begin() + wire::kHeadroom);
      pending_.push_back(std::move(stored));
      return;
    }
    case ConnState::kSynReceived:  // a server flow reaches its host only once established
    case ConnState::kBackoff:
    case ConnState::kDetached:
      // The application is still active: that keeps the flow (and the reconnect) alive.
      last_datagram_ = now;
      drop(host, DropReason::kPathDown);
      return;
    case ConnState::kEstablished:
      send_data(host, datagram.storage, datagram.offset, datagram.length, now);
      return;
  }
}

void Connection::send_handshake_packet(ConnectionHost& host, Time now) {
  const auto& payload = host.config().handshake_packet;
  if (payload.empty()) return;
  auto scratch = host.scratch();
  std::memcpy(scratch.data() + wire::kHeadroom, payload.data(), payload.size());
  send_data(host, scratch, wire::kHeadroom, payload.size(), now, Payload::kHandshakePacket);
}

void Connection::send_data(ConnectionHost& host, std::span<uint8_t> buffer, size_t offset, size_t length, Time now,
                           Payload kind) {
  auto packet = wire::emit_in_front(buffer, offset, length, phantun::ack(tuple_, snd_nxt_, rcv_nxt_));
  if (!packet) {
    drop(host, packet.error());
    return;
  }
  const uint32_t end = snd_nxt_ + static_cast<uint32_t>(length);
  const uint64_t in_flight = end - peer_ack_;
  // With window scaling stripped, middleboxes track a 64 KiB window and mark anything beyond
  // one more window INVALID (middleboxes.md §B.2) - after which nothing gets through and no ACK
  // comes back. Losing this datagram is better than stalling the flow for good.
  if (scaling_off_ && kind == Payload::kDatagram && in_flight > 2 * kUnscaledWindow) {
    drop(host, DropReason::kPeerWindowFull);
    return;
  }
  if (in_flight > peer_window_bytes_) {
    bump(traffic_, host.counters(), &TrafficCounters::sent_beyond_peer_window);
  }
  snd_nxt_ = end;
  last_ack_sent_ = rcv_nxt_;
  ack_deadline_ = Time::never();
  if (kind == Payload::kDatagram) {
    last_datagram_ = now;
    last_datagram_sent_ = now;
    bump(traffic_, host.counters(), &TrafficCounters::datagrams_sent);
    bump(traffic_, host.counters(), &TrafficCounters::bytes_sent, length);
  } else {
    bump(traffic_, host.counters(), &TrafficCounters::handshake_packets_sent);
  }
  host.transmit(*packet);
}

void Connection::send_control(ConnectionHost& host, const wire::SegmentHeader& header) {
  auto packet = wire::emit_bare(host.scratch(), header);
  // A bare header always fits the scratch buffer; anything else is a bug in the caller.
  if (packet) host.transmit(*packet);
}

void Connection::send_pure_ack(ConnectionHost& host) {
  send_control(host, phantun::ack(tuple_, snd_nxt_, rcv_nxt_));
  last_ack_sent_ = rcv_nxt_;
  ack_deadline_ = Time::never();
  bump(traffic_, host.counters(), &TrafficCounters::pure_acks_sent);
}

void Connection::send_challenge_ack(ConnectionHost& host, Time now) {
  if (!last_challenge_ack_.is_never() && now - last_challenge_ack_ < host.config().challenge_ack_interval) return;
  last_challenge_ack_ = now;
  send_control(host, phantun::ack(tuple_, snd_nxt_, rcv_nxt_));
  last_ack_sent_ = rcv_nxt_;
  bump(traffic_, host.counters(), &TrafficCounters::challenge_acks_sent);
}

void Connection::send_keepalive(ConnectionHost& host, Time now) {
  // A pure ACK with PSH: a Phantun peer ignores it (no payload), a Phantasm peer answers it,
  // and every middlebox on the path refreshes its state.
  auto header = phantun::ack(tuple_, snd_nxt_, rcv_nxt_);
  header.flags |= flag::kPsh;
  send_control(host, header);
  last_ack_sent_ = rcv_nxt_;
  ack_deadline_ = Time::never();
  last_keepalive_ = now;
  bump(traffic_, host.counters(), &TrafficCounters::keepalives_sent);
}

void Connection::send_rst(ConnectionHost& host) {
  // Phantun's close RST: RST only, ack 0, at our current sequence number (the ISN while the
  // handshake has not completed).
  send_control(host, phantun::close_rst(tuple_, state_ == ConnState::kEstablished ? snd_nxt_ : iss_));
  host.counters().resets_sent++;
}

bool Connection::path_dead(const EngineConfig& config, Time now) const {
  if (peer_kind_ == PeerKind::kPhantasm) return now - last_inbound_ >= config.dead_after;
  if (config.phantun_dead_after == Duration::zero()) return false;
  // Only silence while we send counts: a Phantun peer is quiet whenever its application is.
  // What we sent after the last inbound segment went unanswered for the whole time. (Exactly
  // the condition dead_deadline() schedules: a timer that fires late must still find it true,
  // or the deadline stays in the past.)
  return !last_datagram_sent_.is_never() && last_datagram_sent_ > last_inbound_ &&
         now - last_inbound_ >= config.phantun_dead_after;
}

Time Connection::dead_deadline(const EngineConfig& config) const {
  if (peer_kind_ == PeerKind::kPhantasm) return last_inbound_ + config.dead_after;
  if (config.phantun_dead_after == Duration::zero() || last_datagram_sent_.is_never() ||
      last_datagram_sent_ <= last_inbound_) {
    return Time::never();  // re-evaluated when a datagram goes out
  }
  return last_inbound_ + config.phantun_dead_after;
}

void Connection::on_timer(ConnectionHost& host, Time now) {
  if (closed()) return;
  const EngineConfig& config = host.config();
  // Every state ends when the local application has been silent for the idle timeout.
  if (now >= last_datagram_ + config.idle_timeout) {
    close(host, CloseReason::kIdle);
    return;
  }
  switch (state_) {
    case ConnState::kSynSent:
    case ConnState::kSynReceived:
      if (now < handshake_deadline_) return;
      if (handshakes_sent_ < config.handshake_attempts) {
        send_handshake(host);
        handshake_deadline_ = now + config.handshake_timeout;
        return;
      }
      host.counters().handshakes_failed++;
      lose_path(host, now, PathLoss::kUnanswered);
      return;
    case ConnState::kBackoff:
      if (now < reconnect_at_) return;
      if (auto tuple = host.new_tuple(*this)) {
        tuple_ = *tuple;
        reconnect_at_ = Time::never();
        bump(traffic_, host.counters(), &TrafficCounters::reconnects);
        begin_client_handshake(host, now);
      } else {
        drop(host, DropReason::kPortsExhausted);
        reconnect_at_ = now + config.reconnect_backoff_max;
      }
      return;
    case ConnState::kDetached:
      if (now >= hold_until_) close(host, CloseReason::kDeadPath);
      return;
    case ConnState::kEstablished:
      on_timer_established(host, now);
      return;
  }
}

void Connection::on_timer_established(ConnectionHost& host, Time now) {
  const EngineConfig& config = host.config();
  if (path_dead(config, now)) {
    lose_path(host, now, PathLoss::kUnanswered);
    return;
  }
  if (now >= latest(last_inbound_, last_keepalive_) + config.keepalive_interval) send_keepalive(host, now);
  if (now >= ack_deadline_) {
    if (rcv_nxt_ != last_ack_sent_) send_pure_ack(host);
    ack_deadline_ = Time::never();
  }
}

void Connection::lose_path(ConnectionHost& host, Time now, PathLoss cause) {
  const EngineConfig& config = host.config();
  const bool keep_flow = role_ == Role::kClient || (opened_to_host_ && peer_kind_ == PeerKind::kPhantasm &&
                                                     session_ != 0 && config.session_hold > Duration::zero());
  // A client whose application is about to idle out anyway (the server's idle RST can arrive
  // just before our own deadline) closes instead of opening a connection it would tear down.
  const bool idling_out =
      role_ == Role::kClient && now - last_datagram_ >= config.idle_timeout - config.keepalive_interval;
  if (!keep_flow || idling_out) {
    if (idling_out) {
      // Never a RST in answer to a RST: close as reset (no reply), report it as the idle end.
      close(host, cause == PathLoss::kReset ? CloseReason::kResetByPeer : CloseReason::kIdle);
      close_reason_ = CloseReason::kIdle;
      return;
    }
    if (cause == PathLoss::kReset) {
      close(host, CloseReason::kResetByPeer);
    } else {
      close(host, opened_to_host_ ? CloseReason::kDeadPath : CloseReason::kHandshakeFailed);
    }
    return;
  }
  // Tell the old path's middleboxes and the peer, unless the peer itself reset it.
  if (cause != PathLoss::kReset && has_tuple()) send_rst(host);
  const bool was_established = state_ == ConnState::kEstablished;
  drop_pending(host, DropReason::kHandshakeFailed);
  handshake_deadline_ = Time::never();
  ack_deadline_ = Time::never();
  bump(traffic_, host.counters(), &TrafficCounters::paths_lost);
  if (role_ == Role::kClient) {
    // A connection that lived long enough earns an immediate retry; repeated failures back off
    // (a middlebox that resets every connection must not get a SYN storm).
    if (was_established && now - established_at_ >= config.reconnect_backoff_max) backoff_ = Duration::zero();
    reconnect_at_ = now + backoff_;
    backoff_ = backoff_ == Duration::zero() ? config.reconnect_backoff_min
                                            : std::min(backoff_ * 2, config.reconnect_backoff_max);
    state_ = ConnState::kBackoff;
    return;
  }
  host.forget_tuple(*this);
  state_ = ConnState::kDetached;
  hold_until_ = now + config.session_hold;
}

void Connection::reattach(ConnectionHost& host, const FourTuple& tuple, const wire::Segment& syn, uint32_t iss,
                          Time now) {
  if (state_ == ConnState::kEstablished) send_rst(host);  // the old tuple's path is gone
  if (has_tuple()) host.forget_tuple(*this);
  tuple_ = tuple;
  iss_ = iss;
  snd_nxt_ = iss;
  irs_ = syn.seq;
  rcv_nxt_ = syn.seq + 1;
  last_ack_sent_ = rcv_nxt_;
  peer_ack_ = 0;
  peer_window_bytes_ = syn.window;
  peer_window_scale_ = syn.options.window_scale;
  scaling_off_ = !syn.options.window_scale;
  last_inbound_ = now;
  hold_until_ = Time::never();
  handshakes_sent_ = 0;
  state_ = ConnState::kSynReceived;
  bump(traffic_, host.counters(), &TrafficCounters::reconnects);
  host.counters().handshakes_started++;
  send_handshake(host);
  handshake_deadline_ = now + host.config().handshake_timeout;
}

void Connection::close(ConnectionHost& host, CloseReason reason) {
  if (closed()) return;
  if (reason != CloseReason::kResetByPeer && has_tuple()) send_rst(host);
  close_reason_ = reason;
  drop_pending(host, reason == CloseReason::kLocalClose ? DropReason::kFlowClosed : DropReason::kHandshakeFailed);
  handshake_deadline_ = Time::never();
  ack_deadline_ = Time::never();
}

void Connection::drop_pending(ConnectionHost& host, DropReason reason) {
  if (pending_.empty()) return;
  drop(host, reason, pending_.size());
  pending_.clear();
}

void Connection::drop(ConnectionHost& host, DropReason reason, uint64_t n) {
  drops_.count(reason, n);
  host.counters().drops.count(reason, n);
}

Time Connection::deadline(const EngineConfig& config) const {
  if (closed()) return Time::never();
  const Time idle = last_datagram_ + config.idle_timeout;
  switch (state_) {
    case ConnState::kSynSent:
    case ConnState::kSynReceived:
      return earliest(idle, handshake_deadline_);
    case ConnState::kBackoff:
      return earliest(idle, reconnect_at_);
    case ConnState::kDetached:
      return earliest(idle, hold_until_);
    case ConnState::kEstablished:
      break;
  }
  const Time keepalive = latest(last_inbound_, last_keepalive_) + config.keepalive_interval;
  return earliest(earliest(idle, ack_deadline_), earliest(keepalive, dead_deadline(config)));
}

FlowSnapshot Connection::snapshot() const {
  FlowSnapshot s;
  s.id = id_;
  s.info = FlowInfo{tuple_, udp_peer_};
  s.state = state_;
  s.opened = opened_;
  s.last_datagram = last_datagram_;
  s.snd_nxt = snd_nxt_;
  s.rcv_nxt = rcv_nxt_;
  s.peer_window_scaled = peer_window_scale_.has_value();
  s.peer_kind = peer_kind_;
  s.last_inbound = last_inbound_;
  s.traffic = traffic_;
  s.drops = drops_;
  return s;
}

}  // namespace phantasm
