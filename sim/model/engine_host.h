// The Phantasm daemon of a simulated host: the unmodified sans-I/O engine (engine/endpoint) on
// the TUN of a LinuxNode, its timers on the ns-3 clock (one event, moved to next_deadline()
// after every input, the pattern of ngtcp2's update_timer), and its local UDP side offered to
// the simulated applications. Start/Stop are the daemon's life: Stop closes every flow with a
// RST as the daemons do on SIGTERM, and the TUN goes down with it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "engine/endpoint/endpoint.h"
#include "ns3/event-id.h"
#include "ns3/object.h"
#include "sim/model/linux_node.h"

namespace phantasm::sim {

class EngineHost : public ns3::Object {
 public:
  static ns3::TypeId GetTypeId();

  EngineHost();
  ~EngineHost() override;

  // What the applications hear from the engine: a datagram for a flow's local UDP side (with
  // the client peer it belongs to, when the engine is a client), flows opening and closing.
  struct Listener {
    std::function<void(FlowId, const std::optional<SocketAddress>& udp_peer, std::span<const uint8_t>)> datagram;
    std::function<void(FlowId, const FlowInfo&)> opened;
    std::function<void(FlowId, CloseReason)> closed;
  };

  // `seed` makes each start of the daemon choose differently but reproducibly.
  void Setup(EngineConfig config, uint64_t seed, ns3::Ptr<LinuxNode> node, size_t tun_iface, Listener listener);
  void Start();
  void Stop();
  bool IsRunning() const { return m_endpoint != nullptr; }

  // Client: a datagram from the UDP application at `peer`. Dropped while the daemon is down,
  // as a datagram to a closed port is.
  void SendFromPeer(const SocketAddress& peer, std::span<const uint8_t> payload);
  // Either role: a datagram on a flow's own socket (the server's echo).
  void SendOnFlow(FlowId flow, std::span<const uint8_t> payload);

  // Counters of every run of the daemon added up, the current one included.
  EndpointCounters Counters() const;
  // Times the engine's deadline did not move past the instant its timer fired (must stay 0).
  uint64_t TimerStalls() const { return m_stalls; }

 protected:
  void DoDispose() override;

 private:
  class Sink;
  void FromTun(std::vector<uint8_t>&& packet);
  void Reschedule();
  void OnTimer();
  DatagramBuffer Stage(std::span<const uint8_t> payload);

  EngineConfig m_config;
  uint64_t m_seed = 0;
  uint32_t m_starts = 0;
  ns3::Ptr<LinuxNode> m_node;
  size_t m_tun = 0;
  Listener m_listener;
  std::unique_ptr<Sink> m_sink;
  std::unique_ptr<Endpoint> m_endpoint;
  std::map<std::pair<uint32_t, uint32_t>, SocketAddress> m_peers;  // client flow -> UDP peer
  EndpointCounters m_previous;  // counters of earlier runs
  ns3::EventId m_timer;
  phantasm::Time m_timerAt = phantasm::Time::never();
  std::vector<uint8_t> m_buffer;
  uint64_t m_stalls = 0;
};

}  // namespace phantasm::sim
