// Configuration of an endpoint. Defaults are Phantun's where Phantun has one (phantun-wire.md
// §2-§3), and documented choices where it has none.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/time.h"
#include "engine/wire/ip_address.h"

namespace phantasm {

enum class Role : uint8_t { kClient, kServer };

// What the far end is assumed to be. kAuto: Phantun until its hello proves it is Phantasm.
enum class Compat : uint8_t { kAuto, kPhantun, kPhantasm };

struct EngineConfig {
  Role role = Role::kClient;

  // Client: the fake-TCP source addresses (Phantun's --tun-peer / --tun-peer6) and the server.
  IpAddress local_v4 = IpAddress::v4({192, 168, 200, 2});
  std::optional<IpAddress> local_v6 = IpAddress::parse("fcc8::2");
  SocketAddress remote;
  // Client source ports, Phantun's range since v0.7.0; we wrap around instead of failing.
  uint16_t port_min = 32768;
  uint16_t port_max = 60999;

  // Server: fake-TCP ports to accept SYNs on (Phantun's --local; several allowed).
  std::vector<uint16_t> listen_ports;
  // Server ISN: random by default (a Phantun client accepts any), 0 for Phantun-exact wire.
  bool randomize_server_isn = true;

  // Sent as the first data segment of every new connection (--handshake-packet).
  std::vector<uint8_t> handshake_packet;

  // Handshake: one SYN (or SYN-ACK) per timeout, this many in all (Phantun: 1 s, 3).
  Duration handshake_timeout = std::chrono::seconds(1);
  int handshake_attempts = 3;
  // A flow with no datagram either way for this long is closed with a RST (Phantun: 180 s).
  Duration idle_timeout = std::chrono::seconds(180);

  // Peer kinds and liveness (issue: silent black holes after a NAT or conntrack entry is lost).
  Compat compat = Compat::kAuto;
  // Keepalive probe when nothing was heard from the peer for this long: refreshes NAT and
  // conntrack state (Linux's UNACK timeout is 300 s, some middleboxes use 60 s) and, with a
  // Phantasm peer, proves the path works. Probes stop when the flow idles out.
  Duration keepalive_interval = std::chrono::seconds(10);
  // A Phantasm peer that answers nothing for this long means the path is dead.
  Duration dead_after = std::chrono::seconds(30);
  // A Phantun peer never answers probes: all we can observe is silence while we send. Inbound
  // silence this long while datagrams go out means dead; zero disables it (one-way flows).
  Duration phantun_dead_after = std::chrono::seconds(60);
  // Client: after a dead path, a refused handshake or a peer's RST, connect again on a new port
  // after a backoff that doubles from min to max (the first retry is immediate); it resets once a
  // connection has lived for `max`.
  Duration reconnect_backoff_min = std::chrono::seconds(1);
  Duration reconnect_backoff_max = std::chrono::seconds(30);
  // Server: how long a Phantasm client's flow (and its UDP socket) waits for the client to come
  // back on a new connection with the same session.
  Duration session_hold = std::chrono::seconds(60);

  // Pure ACKs (conntrack correctness, middleboxes.md §B.4): acknowledge received data once this
  // many bytes are unacknowledged, or this long after the first unacknowledged byte. 32 KiB is
  // half of an unscaled 64 KiB window, so a path that strips window scaling stays valid.
  uint32_t ack_every_bytes = 32 * 1024;
  Duration ack_delay = std::chrono::milliseconds(200);

  // Acceptance window around rcv_nxt for data, ACKs and RSTs from the peer: up to this far
  // ahead (a burst lost in flight) and this far behind (reordering).
  uint32_t rx_window_ahead = 1u << 30;
  uint32_t rx_window_behind = 1u << 24;
  // Challenge ACKs (RFC 5961) per connection: at most one per interval.
  Duration challenge_ack_interval = std::chrono::milliseconds(100);

  // Answer segments for unknown tuples with RST+ACK (Phantun does), at most this many per
  // second across the endpoint (burst of the same size).
  bool rst_unknown = true;
  uint32_t rst_unknown_per_second = 100;

  // Bounded state.
  size_t max_flows = 65536;
  size_t max_half_open = 1024;
  size_t max_pending_datagrams = 16;  // per client connection while its handshake runs
  size_t max_datagram = 65535 - 60;   // the largest payload an IP length field can carry
};

// Returns a description of the first problem, or nothing when the configuration is usable.
std::optional<std::string> validate(const EngineConfig& config);

}  // namespace phantasm
