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

}  // namespace

Connection::Connection(FlowId id, const FourTuple& tuple, const SocketAddress& udp_peer, uint32_t iss, Time now)
    : id_(id),
      tuple_(tuple),
      udp_peer_(udp_peer),
      role_(Role::kClient),
      state_(ConnState::kSynSent),
      iss_(iss),
      snd_nxt_(iss),
      opened_(now),
      last_datagram_(now) {}

Connection::Connection(FlowId id, const FourTuple& tuple, const wire::Segment& syn, uint32_t iss, Time now)
    : id_(id),
      tuple_(tuple),
      role_(Role::kServer),
      state_(ConnState::kSynReceived),
      iss_(iss),
      snd_nxt_(iss),
      irs_(syn.seq),
      rcv_nxt_(syn.seq + 1),
      last_ack_sent_(syn.seq + 1),
      peer_window_(syn.window),
      peer_window_scale_(syn.options.window_scale),
      opened_(now),
      last_datagram_(now) {}

void Connection::start(ConnectionHost& host, Time now) {
  host.counters().handshakes_started++;
  send_handshake(host);
  handshake_deadline_ = now + host.config().handshake_timeout;
}

void Connection::send_handshake(ConnectionHost& host) {
  if (handshakes_sent_ > 0) host.counters().handshake_retransmits++;
  ++handshakes_sent_;
  if (role_ == Role::kClient) {
    send_control(host, phantun::syn(tuple_, iss_));
  } else {
    send_control(host, phantun::syn_ack(tuple_, iss_, rcv_nxt_));
  }
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
  }
}

void Connection::on_segment_syn_sent(ConnectionHost& host, const wire::Segment& seg, Time now) {
  if (seg.has(flag::kRst)) {
    // RFC 9293 §3.10.7.3: in SYN-SENT a RST is acceptable if it acknowledges our SYN. Phantun
    // answers a SYN to a port it does not serve with ack = seq (no +1), so accept that too.
    if (seg.has(flag::kAck) && (seg.ack == iss_ + 1 || seg.ack == iss_)) {
      host.counters().resets_received++;
      close(host, CloseReason::kHandshakeFailed);
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
    snd_nxt_ = iss_ + 1;
    note_peer_ack(seg);
    establish(host, seg, now);
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
    if (seg.seq == rcv_nxt_) {
      host.counters().resets_received++;
      close(host, CloseReason::kResetByPeer);
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
    }
    peer_window_ = seg.window;
    send_handshake(host);
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
  note_peer_ack(seg);
  establish(host, seg, now);
  send_handshake_packet(host, now);
  // The client's first data segment may overtake (or replace) its handshake ACK: it carries
  // the same acknowledgement, so it completes the handshake and its payload is kept.
  if (!seg.payload.empty()) accept_payload(host, seg, now);
}

void Connection::establish(ConnectionHost& host, const wire::Segment& seg, Time now) {
  (void)seg;
  state_ = ConnState::kEstablished;
  handshake_deadline_ = Time::never();
  last_datagram_ = now;
  host.counters().handshakes_completed++;
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
  if (seg.has(flag::kAck) && seq::after(seg.ack, snd_nxt_)) {
    drop(host, DropReason::kAckUnsent);
    return;
  }
  if (!in_receive_window(config, seg.seq)) {
    drop(host, DropReason::kDataOutOfWindow);
    return;
  }
  note_peer_ack(seg);
  if (seg.payload.empty()) {
    bump(traffic_, host.counters(), &TrafficCounters::pure_acks_received);
    return;
  }
  accept_payload(host, seg, now);
}

void Connection::on_rst(ConnectionHost& host, const wire::Segment& seg, Time now) {
  // RFC 5961 §3.2: only a RST at exactly rcv_nxt closes; one elsewhere in the window may be a
  // blind guess, so answer with a challenge ACK (a peer that really closed answers that with a
  // RST at our ack, which then closes). Outside the window: drop.
  if (seg.seq == rcv_nxt_) {
    host.counters().resets_received++;
    close(host, CloseReason::kResetByPeer);
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
    peer_window_ = seg.window;
  }
}

uint64_t Connection::peer_window_bytes() const {
  // Scaling counts only when both SYNs carried the option (RFC 7323 §2.2); ours always does.
  const uint8_t shift = peer_window_scale_.value_or(0);
  return static_cast<uint64_t>(peer_window_) << shift;
}

void Connection::on_datagram(ConnectionHost& host, DatagramBuffer datagram, Time now) {
  if (closed()) {
    drop(host, DropReason::kFlowClosed);
    return;
  }
  switch (state_) {
    case ConnState::kSynSent: {
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
    case ConnState::kSynReceived:
      // A server flow is opened to the host only once established; nothing to send on yet.
      drop(host, DropReason::kFlowClosed);
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
  if (static_cast<uint64_t>(end - peer_ack_) > peer_window_bytes()) {
    bump(traffic_, host.counters(), &TrafficCounters::sent_beyond_peer_window);
  }
  snd_nxt_ = end;
  last_ack_sent_ = rcv_nxt_;
  ack_deadline_ = Time::never();
  last_datagram_ = now;
  if (kind == Payload::kDatagram) {
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

void Connection::on_timer(ConnectionHost& host, Time now) {
  if (closed()) return;
  const EngineConfig& config = host.config();
  if (state_ != ConnState::kEstablished) {
    if (now < handshake_deadline_) return;
    if (handshakes_sent_ < config.handshake_attempts) {
      send_handshake(host);
      handshake_deadline_ = now + config.handshake_timeout;
      return;
    }
    host.counters().handshakes_failed++;
    close(host, CloseReason::kHandshakeFailed);
    return;
  }
  if (now >= last_datagram_ + config.idle_timeout) {
    close(host, CloseReason::kIdle);
    return;
  }
  if (now >= ack_deadline_) {
    if (rcv_nxt_ != last_ack_sent_) send_pure_ack(host);
    ack_deadline_ = Time::never();
  }
}

Time Connection::deadline(const EngineConfig& config) const {
  if (closed()) return Time::never();
  if (state_ != ConnState::kEstablished) return handshake_deadline_;
  return earliest(last_datagram_ + config.idle_timeout, ack_deadline_);
}

void Connection::close(ConnectionHost& host, CloseReason reason) {
  if (closed()) return;
  close_reason_ = reason;
  if (reason != CloseReason::kResetByPeer) {
    // Phantun's close RST: RST only, ack 0, at our current sequence number (the ISN while the
    // handshake has not completed).
    send_control(host, phantun::close_rst(tuple_, state_ == ConnState::kEstablished ? snd_nxt_ : iss_));
    host.counters().resets_sent++;
  }
  if (!pending_.empty()) {
    drop(host, reason == CloseReason::kLocalClose ? DropReason::kFlowClosed : DropReason::kHandshakeFailed,
         pending_.size());
    pending_.clear();
  }
  handshake_deadline_ = Time::never();
  ack_deadline_ = Time::never();
}

void Connection::drop(ConnectionHost& host, DropReason reason, uint64_t n) {
  drops_.count(reason, n);
  host.counters().drops.count(reason, n);
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
  s.traffic = traffic_;
  s.drops = drops_;
  return s;
}

}  // namespace phantasm
