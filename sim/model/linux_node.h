// An ns-3 node that is a Linux network namespace: the netfilter path of netfilter_node.h owns
// the node's point-to-point devices (a bare node, ns3-notes.md §2c: no ns-3 IP stack, packets
// byte-exact), an optional TUN interface leads to the Phantasm engine of the node (engine_host.h),
// and a middlebox node puts the harness/middlebox models in front of conntrack, where the netns
// relay sits (raw PREROUTING), with their delays and injected packets scheduled in simulated time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "harness/middlebox/model.h"
#include "ns3/net-device.h"
#include "ns3/node.h"
#include "ns3/object.h"
#include "ns3/pcap-file-wrapper.h"
#include "sim/model/netfilter_node.h"
#include "sim/model/wire_check.h"

namespace phantasm::sim {

class LinuxNode : public ns3::Object {
 public:
  static ns3::TypeId GetTypeId();

  LinuxNode();
  ~LinuxNode() override;

  // The namespace this node is (its model decides everything a packet meets).
  void Install(ns3::Ptr<ns3::Node> node, std::unique_ptr<NetfilterNode> model);
  // Device `dev` of the node is the model's interface `iface`.
  void AttachDevice(size_t iface, ns3::Ptr<ns3::NetDevice> dev);
  // The model's interface `iface` is a TUN: what the model sends there goes to `reader` (the
  // engine), always in an event of its own so the engine is never re-entered.
  void AttachTun(size_t iface, std::function<void(std::vector<uint8_t>&&)> reader);
  // The engine writes a packet into the TUN.
  void WriteTun(size_t iface, std::span<const uint8_t> packet);
  // The daemon stopped or started: its TUN (routes, addresses) goes or comes.
  void SetTunUp(size_t iface, bool up);
  // A raw-IP capture of what crosses the TUN, both ways (tcpdump -i pt).
  void CaptureTun(ns3::Ptr<ns3::PcapFileWrapper> file);
  // Sees every packet sent or received on the device of interface `iface` (a capture there).
  void WatchWire(size_t iface, std::function<void(std::span<const uint8_t>)> watcher);

  // Middlebox models in front of conntrack: packets arriving on `lan` travel client to server,
  // on `wan` server to client.
  void SetPipeline(std::unique_ptr<middlebox::Pipeline> pipeline, size_t lan, size_t wan);
  // A scenario's `inject_rst` event: the pipeline's trigger.
  void TriggerPipeline();

  NetfilterNode& Model() { return *m_model; }
  const middlebox::Pipeline* Pipeline() const { return m_pipeline.get(); }
  uint64_t TunPacketsIn() const { return m_tunIn; }
  // What the captures on this node's links would have seen (each packet sent and received).
  const WireCounts& Wire() const { return m_wire; }

 protected:
  void DoDispose() override;

 private:
  void Receive(ns3::Ptr<ns3::NetDevice> dev, ns3::Ptr<const ns3::Packet> p, uint16_t protocol, const ns3::Address& from,
               const ns3::Address& to, ns3::NetDevice::PacketType type);
  void Emit(size_t iface, std::vector<uint8_t>&& bytes);
  void ToModel(size_t iface, std::vector<uint8_t>&& bytes);
  void Release(middlebox::Outputs& outs);
  void ScheduleTimer();
  void OnTimer();

  ns3::Ptr<ns3::Node> m_node;
  std::unique_ptr<NetfilterNode> m_model;
  std::vector<ns3::Ptr<ns3::NetDevice>> m_devices;  // by interface; null for a TUN
  std::vector<std::function<void(std::vector<uint8_t>&&)>> m_tuns;
  ns3::Ptr<ns3::PcapFileWrapper> m_tunCapture;
  std::unique_ptr<middlebox::Pipeline> m_pipeline;
  size_t m_lan = 0;
  size_t m_wan = 0;
  ns3::EventId m_timer;
  phantasm::Time m_timerAt = phantasm::Time::never();
  uint64_t m_tunIn = 0;
  WireCounts m_wire;
  std::vector<std::function<void(std::span<const uint8_t>)>> m_watchers;  // by interface
  std::vector<uint8_t> m_scratch;
};

// Simulated time as the engine and the models see it.
phantasm::Time Now();

}  // namespace phantasm::sim
