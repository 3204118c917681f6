// The daemons' hidden --null-engine: the Endpoint replaced by a fixed IPv4 + TCP header
// prepend, so that `phantasm bench` can measure what this host's I/O path (recvmmsg, TUN
// reads and writes, sendmmsg, the event loop) costs on its own: the ceiling the engine is
// judged against. No handshake, no timers, no RSTs; IPv4 only; it interoperates only with
// another null engine. Flows are picked up from the first datagram or segment, the way
// conntrack picks up a mid-stream ACK.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/endpoint/config.h"
#include "engine/endpoint/endpoint.h"
#include "engine/endpoint/sink.h"

namespace phantasm::linux_host {

class NullEngine {
 public:
  NullEngine(const EngineConfig& config, EngineSink& sink);

  // Client: a datagram from the local UDP application at `from` (a new `from` opens a flow).
  void on_udp_datagram(const SocketAddress& from, DatagramBuffer datagram);
  // Either role: a datagram for an existing flow.
  void on_udp_datagram(FlowId flow, DatagramBuffer datagram);
  void on_network_packet(std::span<const uint8_t> packet);

 private:
  struct Flow {
    FourTuple tuple;  // this end's view: local is the source of what we send
    SocketAddress udp_peer;
    uint32_t seq = 1;
  };

  FlowId open(const FourTuple& tuple, const SocketAddress& udp_peer);

  EngineConfig config_;
  EngineSink& sink_;
  std::vector<Flow> flows_;  // FlowId::slot indexes it; a handful of flows, found by scanning
};

}  // namespace phantasm::linux_host
