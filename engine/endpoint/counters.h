// Counters kept per endpoint and per connection. Every datagram that enters the engine ends up
// in exactly one of: sent/delivered, or a drop reason.
#pragma once

#include <cstdint>

#include "engine/core/drop_reason.h"

namespace phantasm {

struct TrafficCounters {
  uint64_t datagrams_sent = 0;       // local UDP -> fake TCP segments on the wire
  uint64_t bytes_sent = 0;           // payload bytes of those
  uint64_t datagrams_delivered = 0;  // fake TCP -> local UDP
  uint64_t bytes_delivered = 0;
  uint64_t pure_acks_sent = 0;
  uint64_t pure_acks_received = 0;
  uint64_t challenge_acks_sent = 0;
  uint64_t sent_beyond_peer_window = 0;  // a strict middlebox would call these INVALID
  uint64_t handshake_packets_sent = 0;   // --handshake-packet segments (not datagrams)
  uint64_t keepalives_sent = 0;
  uint64_t keepalives_received = 0;
  uint64_t keepalive_replies_sent = 0;
  uint64_t paths_lost = 0;               // dead paths and peer resets the flow survived
  uint64_t reconnects = 0;               // client: re-handshakes; server: returning sessions

  TrafficCounters& operator+=(const TrafficCounters& o) {
    datagrams_sent += o.datagrams_sent;
    bytes_sent += o.bytes_sent;
    datagrams_delivered += o.datagrams_delivered;
    bytes_delivered += o.bytes_delivered;
    pure_acks_sent += o.pure_acks_sent;
    pure_acks_received += o.pure_acks_received;
    challenge_acks_sent += o.challenge_acks_sent;
    sent_beyond_peer_window += o.sent_beyond_peer_window;
    handshake_packets_sent += o.handshake_packets_sent;
    keepalives_sent += o.keepalives_sent;
    keepalives_received += o.keepalives_received;
    keepalive_replies_sent += o.keepalive_replies_sent;
    paths_lost += o.paths_lost;
    reconnects += o.reconnects;
    return *this;
  }
};

struct EndpointCounters {
  uint64_t packets_received = 0;  // IP packets handed to on_network_packet
  uint64_t packets_sent = 0;      // IP packets handed to EngineSink::send_packet
  uint64_t datagrams_received = 0;  // UDP datagrams handed to on_udp_datagram
  uint64_t flows_opened = 0;
  uint64_t flows_closed = 0;
  uint64_t handshakes_started = 0;
  uint64_t handshakes_completed = 0;
  uint64_t handshakes_failed = 0;
  uint64_t handshake_retransmits = 0;
  uint64_t resets_received = 0;  // acceptable RSTs that closed a flow
  uint64_t resets_sent = 0;
  uint64_t unknown_rsts_suppressed = 0;  // rate limit or --no-rst-unknown
  uint64_t phantasm_peers = 0;  // handshakes whose peer proved to be Phantasm
  // The MTU the last ICMP too-big message reported (0: none arrived, or it named none).
  uint32_t path_mtu_reported = 0;
  // Connections whose timer left their deadline in the past (an engine bug, never expected):
  // re-armed 1 ms later instead of spinning. The fuzzer fails on any.
  uint64_t timer_stalls = 0;
  // Totals of the per-connection traffic counters, including closed connections.
  TrafficCounters traffic;
  DropCounters drops;
};

}  // namespace phantasm
