// One fake-TCP connection: handshake, sequence/acknowledgement bookkeeping, RST rules (RFC 5961)
// and its timers. No I/O: segments leave through the ConnectionHost the endpoint provides.
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

 protected:
  ~ConnectionHost() = default;
};

class Connection {
 public:
  // Client: a connection towards the server, about to send its SYN.
  Connection(FlowId id, const FourTuple& tuple, const SocketAddress& udp_peer, uint32_t iss, Time now);
  // Server: a connection answering `syn`.
  Connection(FlowId id, const FourTuple& tuple, const wire::Segment& syn, uint32_t iss, Time now);

  // Sends the SYN (client) or SYN-ACK (server).
  void start(ConnectionHost& host, Time now);
  void on_segment(ConnectionHost& host, const wire::Segment& seg, Time now);
  // A datagram from the local UDP side. Client connections queue it while the handshake runs.
  void on_datagram(ConnectionHost& host, DatagramBuffer datagram, Time now);
  void on_timer(ConnectionHost& host, Time now);
  // Closes the connection; sends a RST unless the peer reset it.
  void close(ConnectionHost& host, CloseReason reason);

  Time deadline(const EngineConfig& config) const;
  bool closed() const { return close_reason_.has_value(); }
  CloseReason close_reason() const { return *close_reason_; }
  bool half_open() const { return state_ != ConnState::kEstablished; }

  FlowId id() const { return id_; }
  const FourTuple& tuple() const { return tuple_; }
  const std::optional<SocketAddress>& udp_peer() const { return udp_peer_; }
  ConnState state() const { return state_; }
  bool opened_to_host() const { return opened_to_host_; }
  void mark_opened_to_host() { opened_to_host_ = true; }
  FlowSnapshot snapshot() const;

  // Bookkeeping for the endpoint's timer queue: the deadline currently queued for this
  // connection (Time::never() when none).
  Time queued_deadline = Time::never();

 private:
  void establish(ConnectionHost& host, const wire::Segment& seg, Time now);
  void on_segment_syn_sent(ConnectionHost& host, const wire::Segment& seg, Time now);
  void on_segment_syn_received(ConnectionHost& host, const wire::Segment& seg, Time now);
  void on_segment_established(ConnectionHost& host, const wire::Segment& seg, Time now);
  void on_rst(ConnectionHost& host, const wire::Segment& seg, Time now);
  void accept_payload(ConnectionHost& host, const wire::Segment& seg, Time now);

  bool in_receive_window(const EngineConfig& config, uint32_t seq) const;
  void note_peer_ack(const wire::Segment& seg);
  void send_handshake(ConnectionHost& host);
  void send_control(ConnectionHost& host, const wire::SegmentHeader& header);
  void send_pure_ack(ConnectionHost& host);
  void send_challenge_ack(ConnectionHost& host, Time now);
  enum class Payload : uint8_t { kDatagram, kHandshakePacket };
  // Sends `length` payload bytes sitting at buffer[offset] as one data segment.
  void send_data(ConnectionHost& host, std::span<uint8_t> buffer, size_t offset, size_t length, Time now,
                 Payload kind = Payload::kDatagram);
  // --handshake-packet: an ordinary first data segment, not a datagram of the application.
  void send_handshake_packet(ConnectionHost& host, Time now);
  void drop(ConnectionHost& host, DropReason reason, uint64_t n = 1);
  uint64_t peer_window_bytes() const;

  FlowId id_;
  FourTuple tuple_;
  std::optional<SocketAddress> udp_peer_;
  Role role_;
  ConnState state_;
  bool opened_to_host_ = false;
  std::optional<CloseReason> close_reason_;

  uint32_t iss_;
  uint32_t snd_nxt_;          // next sequence number we send
  uint32_t irs_ = 0;          // the peer's ISN
  uint32_t rcv_nxt_ = 0;      // highest seq + len received (we never reorder or retransmit)
  uint32_t last_ack_sent_ = 0;
  uint32_t peer_ack_ = 0;     // highest acknowledgement the peer sent
  uint16_t peer_window_ = 0;  // the window that came with it, unscaled
  std::optional<uint8_t> peer_window_scale_;  // from the peer's SYN or SYN-ACK

  Time opened_;
  Time last_datagram_;
  Time handshake_deadline_ = Time::never();
  int handshakes_sent_ = 0;
  Time ack_deadline_ = Time::never();
  Time last_challenge_ack_ = Time::never();

  // Client: datagrams waiting for the handshake, each stored as kHeadroom + payload.
  std::vector<std::vector<uint8_t>> pending_;

  TrafficCounters traffic_;
  DropCounters drops_;
};

}  // namespace phantasm
