// `phantasm udpgen sink --echo` behind the server engine: every datagram a server flow delivers
// is checked (one TrafficReceiver over all of them, as the sink's per-flow table) and sent back
// on the same flow, the way the netns runner's sink answers every datagram of every group.
#pragma once

#include <map>

#include "harness/traffic/format/traffic_receiver.h"
#include "sim/model/engine_host.h"
#include "sim/model/flow_arrivals.h"

namespace phantasm::sim {

class EchoSink {
 public:
  EchoSink(ns3::Ptr<EngineHost> server, FlowArrivals& arrivals) : m_server(server), m_arrivals(arrivals) {}

  void OnDatagram(FlowId flow, std::span<const uint8_t> payload);

  // What arrived for one sender run (its session), all its flows added up.
  traffic::TrafficCounts SessionCounts(uint32_t session) const;
  uint64_t Datagrams() const { return m_datagrams; }

 private:
  ns3::Ptr<EngineHost> m_server;
  FlowArrivals& m_arrivals;
  traffic::TrafficReceiver m_receiver;
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> m_peers;  // server flow -> peer index
  uint64_t m_datagrams = 0;
};

}  // namespace phantasm::sim
