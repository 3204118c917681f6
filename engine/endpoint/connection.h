// One fake-TCP flow: handshake, sequence/acknowledgement bookkeeping, RST rules (RFC 5961),
// keepalives and dead-path detection, and — when the path dies — a new connection for the
// same flow (client) or a wait for the client to return with its session (server). No I/O:
// segments leave through the ConnectionHost the endpoint provides.
#pragma once

#include <optional>
#include <vector>

#include "engine/core/time.h"
#include "engine/endpoint/config.h"
#include "engine/endpoint/counters.h"
#include "engine/endpoint/endpoint.h"
#include "engine/endpoint/sink.h"
#include "engine/wire/packet.h"

namespace phantasm {

class Connection;

// What a connection needs from its endpoint.
class ConnectionHost {
 public:
  virtual const EngineConfig& config() const = 0;
  virtual EndpointCounters& counters() = 0;
  // Sends a packet built in place; counts it.
  virtual void transmit(std::span<const uint8_t> packet) = 0;
  // A buffer for segments the connection originates (control segments, queued datagrams), at
  // least kHeadroom + max_datagram bytes.
  virtual std::span<uint8_t> scratch() = 0;
  virtual void deliver(Connection& conn, std::span<const uint8_t> payload) = 0;
  // The server's handshake completed: the host tells its sink before any delivery.
  virtual void established(Connection& conn) = 0;
  // Client: a fresh tuple (new source port) for reconnecting, already registered for `conn`.
  virtual std::optional<FourTuple> new_tuple(Connection& conn) = 0;
  // Server: the connection's old tuple is dead; forget it.
  virtual void forget_tuple(Connection& conn) = 0;
  virtual uint64_t random() = 0;

 protected:
  ~ConnectionHost() = default;
};

class Connection {
 public:
  // Client: a flow for `udp_peer`, about to send its first SYN.
  Connection(FlowId id, const FourTuple& tuple, const SocketAddress& udp_peer, uint64_t session, Time now);
  // Server: a connection answering `syn`; its hello (if any) decides the peer's kind.
  Connection(FlowId id, const FourTuple& tuple, const wire::Segment& syn, uint32_t iss, const EngineConfig& config,
             Time now);

  // Sends the first SYN (client) or SYN-ACK (server).
  void start(ConnectionHost& host, Time now);
  void on_segment(ConnectionHost& host, const wire::Segment& seg, Time now);
  // A datagram from the local UDP side. Client connections queue it while the handshake runs.
  void on_datagram(ConnectionHost& host, DatagramBuffer datagram, Time now);
  void on_timer(ConnectionHost& host, Time now);
  // Server: the client of this flow came back on a new tuple (same session); answer its SYN.
  void reattach(ConnectionHost& host, const FourTuple& tuple, const wire::Segment& syn, uint32_t iss, Time now);
  // Closes the flow; sends a RST unless the peer reset it or the path is already down.
  void close(ConnectionHost& host, CloseReason reason);

  Time deadline(const EngineConfig& config) const;
  bool closed() const { return close_reason_.has_value(); }
  CloseReason close_reason() const { return *close_reason_; }
  bool half_open() const { return state_ == ConnState::kSynSent || state_ == ConnState::kSynReceived; }
  bool has_tuple() const { return state_ != ConnState::kBackoff && state_ != ConnState::kDetached; }

  FlowId id() const { return id_; }
  const FourTuple& tuple() const { return tuple_; }
  const std::optional<SocketAddress>& udp_peer() const { return udp_peer_; }
  ConnState state() const { return state_; }
  PeerKind peer_kind() const { return peer_kind_; }
  // Phantasm peers name a flow by a session id carried in the hello (0: none).
  uint64_t session() const { return session_; }
  bool opened_to_host() const { return opened_to_host_; }
  void mark_opened_to_host() { opened_to_host_ = true; }
  FlowSnapshot snapshot() const;

  // Bookkeeping owned by the endpoint: the deadline queued for this connection, and whether
  // the flow table counts it as half-open.
  Time queued_deadline = Time::never();
  bool counted_half_open = false;

 private:
  void begin_client_handshake(ConnectionHost& host, Time now);
  void establish(ConnectionHost& host, Time now);
  void on_segment_syn_sent(ConnectionHost& host, const wire::Segment& seg, Time now);
  void on_segment_syn_received(ConnectionHost& host, const wire::Segment& seg, Time now);
  void on_segment_established(ConnectionHost& host, const wire::Segment& seg, Time now);
  void on_rst(ConnectionHost& host, const wire::Segment& seg, Time now);
  void accept_payload(ConnectionHost& host, const wire::Segment& seg, Time now);
  void on_timer_established(ConnectionHost& host, Time now);
  // The path is gone (dead, refused or reset): the client reconnects after a backoff, a server
  // flow with a Phantasm client waits for it, anything else closes.
  enum class PathLoss : uint8_t { kUnanswered, kReset };
  void lose_path(ConnectionHost& host, Time now, PathLoss cause);
  bool path_dead(const EngineConfig& config, Time now) const;
  Time dead_deadline(const EngineConfig& config) const;

  bool in_receive_window(const EngineConfig& config, uint32_t seq) const;
  void note_peer_ack(const wire::Segment& seg);
  std::optional<wire::PhantasmHello> hello(const EngineConfig& config) const;
  void send_handshake(ConnectionHost& host, bool answering = false);
  void send_control(ConnectionHost& host, const wire::SegmentHeader& header);
  void send_pure_ack(ConnectionHost& host);
  void send_challenge_ack(ConnectionHost& host, Time now);
  void send_keepalive(ConnectionHost& host, Time now);
  void send_rst(ConnectionHost& host);
  enum class Payload : uint8_t { kDatagram, kHandshakePacket };
  // Sends `length` payload bytes sitting at buffer[offset] as one data segment.
  void send_data(ConnectionHost& host, std::span<uint8_t> buffer, size_t offset, size_t length, Time now,
                 Payload kind = Payload::kDatagram);
  // --handshake-packet: an ordinary first data segment, not a datagram of the application.
  void send_handshake_packet(ConnectionHost& host, Time now);
  void drop_pending(ConnectionHost& host, DropReason reason);
  void drop(ConnectionHost& host, DropReason reason, uint64_t n = 1);

  FlowId id_;
  FourTuple tuple_;
  std::optional<SocketAddress> udp_peer_;
  Role role_;
  ConnState state_;
  PeerKind peer_kind_ = PeerKind::kPhantun;
  uint64_t session_ = 0;
  bool opened_to_host_ = false;
  std::optional<CloseReason> close_reason_;

  uint32_t iss_ = 0;
  uint32_t snd_nxt_ = 0;      // next sequence number we send
  uint32_t irs_ = 0;          // the peer's ISN
  uint32_t rcv_nxt_ = 0;      // highest seq + len received (we never reorder or retransmit)
  uint32_t last_ack_sent_ = 0;
  uint32_t peer_ack_ = 0;     // highest acknowledgement the peer sent
  uint64_t peer_window_bytes_ = 0;  // the window that came with it, in bytes
  std::optional<uint8_t> peer_window_scale_;  // from the peer's SYN or SYN-ACK
  bool scaling_off_ = false;  // known: the path's middleboxes track unscaled windows

  Time opened_;
  Time established_at_ = Time::never();
  Time last_datagram_;           // either direction: the idle clock
  Time last_datagram_sent_ = Time::never();
  Time last_inbound_;            // any acceptable segment from the peer
  Time last_keepalive_ = Time::never();
  Time last_keepalive_reply_ = Time::never();
  Time handshake_deadline_ = Time::never();
  int handshakes_sent_ = 0;
  Time ack_deadline_ = Time::never();
  Time last_challenge_ack_ = Time::never();
  Time reconnect_at_ = Time::never();  // client, in kBackoff
  Duration backoff_{0};
  Time hold_until_ = Time::never();    // server, in kDetached

  // Client: datagrams waiting for the handshake, each stored as kHeadroom + payload.
  std::vector<std::vector<uint8_t>> pending_;

  TrafficCounters traffic_;
  DropCounters drops_;
};

}  // namespace phantasm
