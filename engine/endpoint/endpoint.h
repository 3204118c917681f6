// A fake-TCP endpoint, client or server: the whole engine as one object. Sans-I/O: inputs are
// network packets, local UDP datagrams and the time; outputs go to the host's EngineSink.
//
//   Host loop:
//     endpoint.on_network_packet(bytes, now)    for each IP packet from TUN / the device
//     endpoint.on_udp_datagram(..., now)        for each datagram from the local UDP side
//     endpoint.on_timer(now)                    when now >= endpoint.next_deadline()
//
// Deterministic: the same inputs (and seed) give the same outputs.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "engine/core/time.h"
#include "engine/endpoint/config.h"
#include "engine/endpoint/counters.h"
#include "engine/endpoint/sink.h"
#include "engine/wire/packet.h"

namespace phantasm {

// A UDP payload in a host buffer with headroom in front of it, so the engine can write the IP
// and TCP headers there instead of copying the payload. `offset` >= wire::kHeadroom.
struct DatagramBuffer {
  std::span<uint8_t> storage;
  size_t offset = wire::kHeadroom;
  size_t length = 0;

  std::span<const uint8_t> payload() const { return std::span<const uint8_t>(storage).subspan(offset, length); }
};

enum class ConnState : uint8_t {
  kSynSent,      // client handshake
  kSynReceived,  // server handshake
  kEstablished,
  kBackoff,      // client: path lost, waiting to connect again (datagrams are counted, not sent)
  kDetached,     // server: a Phantasm client's path died; the flow waits for its session to return
};

std::string_view to_string(ConnState s);

// A snapshot of one flow, for status output.
struct FlowSnapshot {
  FlowId id;
  FlowInfo info;
  ConnState state;
  Time opened;
  Time last_datagram;
  uint32_t snd_nxt;
  uint32_t rcv_nxt;
  bool peer_window_scaled;
  PeerKind peer_kind;
  Time last_inbound;
  TrafficCounters traffic;
  DropCounters drops;
};

class Endpoint {
 public:
  // `config` must pass validate(); `seed` feeds every random choice (ports, server ISN).
  Endpoint(EngineConfig config, uint64_t seed, EngineSink& sink);
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  // An IP packet from the network. `policy` kTrust skips checksum verification when the kernel
  // already did it.
  void on_network_packet(std::span<const uint8_t> packet, Time now,
                         wire::ChecksumPolicy policy = wire::ChecksumPolicy::kVerify);

  // Client: a datagram from the local UDP application at `from`; a new `from` opens a flow.
  // The engine writes headers into the buffer's headroom.
  void on_udp_datagram(const SocketAddress& from, DatagramBuffer datagram, Time now);
  // Either role: a datagram for an existing flow (server: read from the flow's own socket).
  void on_udp_datagram(FlowId flow, DatagramBuffer datagram, Time now);

  void on_timer(Time now);
  // The earliest time on_timer has work to do; Time::never() when idle.
  Time next_deadline() const;

  // Closes every flow with a RST (shutdown).
  void close_all(Time now);
  // Closes one flow with a RST.
  void close_flow(FlowId flow, Time now);

  const EngineConfig& config() const;
  const EndpointCounters& counters() const;
  size_t flow_count() const;
  size_t half_open_count() const;
  std::optional<FlowSnapshot> flow(FlowId id) const;
  std::vector<FlowSnapshot> flows() const;
  // Client: the server to use from the next (re)connection on, e.g. after the host re-resolved
  // its name. Must be of a family the configuration has a local address for.
  void set_remote(const SocketAddress& remote);
  // Client: the flow serving a UDP peer, if any.
  std::optional<FlowId> find_flow(const SocketAddress& udp_peer) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phantasm
