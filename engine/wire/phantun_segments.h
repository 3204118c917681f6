// The headers of every segment Phantun sends (phantun-wire.md §1.3), so that the engine and the
// golden tests build them from one definition. Sequence numbers are parameters: Phantun's are
// ISN 0 on both sides, ours may differ (a randomised server ISN is invisible to a Phantun client).
#pragma once

#include "engine/wire/packet.h"

namespace phantasm::wire::phantun {

inline constexpr uint8_t kWindowScale = 14;
inline constexpr uint16_t kWindow = 0xFFFF;

// Tuple fields from this end's point of view.
inline SegmentHeader base(const FourTuple& t, uint32_t seq, uint32_t ack, uint8_t flags) {
  SegmentHeader h;
  h.src = t.local.ip;
  h.dst = t.remote.ip;
  h.src_port = t.local.port;
  h.dst_port = t.remote.port;
  h.seq = seq;
  h.ack = ack;
  h.flags = flags;
  h.window = kWindow;
  return h;
}

// Client SYN: flags exactly SYN, ack field 0, NOP + WScale 14.
inline SegmentHeader syn(const FourTuple& t, uint32_t isn) {
  auto h = base(t, isn, 0, tcp::flag::kSyn);
  h.window_scale = kWindowScale;
  return h;
}

// Server SYN-ACK acknowledging the client's SYN.
inline SegmentHeader syn_ack(const FourTuple& t, uint32_t isn, uint32_t ack) {
  auto h = base(t, isn, ack, tcp::flag::kSyn | tcp::flag::kAck);
  h.window_scale = kWindowScale;
  return h;
}

// Handshake ACK, pure ACK and data segments all look the same: ACK only, no options.
inline SegmentHeader ack(const FourTuple& t, uint32_t seq, uint32_t ack_number) {
  return base(t, seq, ack_number, tcp::flag::kAck);
}

// The RST sent when a connection is dropped: RST only, ack field 0.
inline SegmentHeader close_rst(const FourTuple& t, uint32_t seq) { return base(t, seq, 0, tcp::flag::kRst); }

// RST+ACK answering a segment for an unknown tuple (or a refused SYN): seq is the segment's ack
// number, ack is its seq + payload length (+1 for a refused SYN, as Phantun's server does).
inline SegmentHeader rst_for(const Segment& s, bool refused_syn) {
  const uint32_t ack_number = s.seq + static_cast<uint32_t>(s.payload.size()) + (refused_syn ? 1u : 0u);
  const uint32_t seq = refused_syn ? 0 : s.ack;
  return base(s.receiver_tuple(), seq, ack_number, tcp::flag::kRst | tcp::flag::kAck);
}

}  // namespace phantasm::wire::phantun
