#include "sim/model/linux_node.h"

#include "ns3/log.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"

namespace phantasm::sim {

NS_LOG_COMPONENT_DEFINE("PhantasmLinuxNode");
NS_OBJECT_ENSURE_REGISTERED(LinuxNode);

namespace {
constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86DD;

ns3::Time to_ns3(Duration d) { return ns3::NanoSeconds(d.count()); }
}  // namespace

phantasm::Time Now() { return phantasm::Time::from_ns(ns3::Simulator::Now().GetNanoSeconds()); }

ns3::TypeId LinuxNode::GetTypeId() {
  static ns3::TypeId tid =
      ns3::TypeId("phantasm::sim::LinuxNode").SetParent<ns3::Object>().SetGroupName("Phantasm").AddConstructor<LinuxNode>();
  return tid;
}

LinuxNode::LinuxNode() = default;
LinuxNode::~LinuxNode() = default;

void LinuxNode::DoDispose() {
  m_timer.Cancel();
  m_devices.clear();
  m_tuns.clear();
  m_node = nullptr;
  m_tunCapture = nullptr;
  ns3::Object::DoDispose();
}

void LinuxNode::Install(ns3::Ptr<ns3::Node> node, std::unique_ptr<NetfilterNode> model) {
  m_node = node;
  m_model = std::move(model);
  const size_t n = m_model->config().interfaces.size();
  m_devices.assign(n, nullptr);
  m_tuns.assign(n, nullptr);
  m_watchers.assign(n, nullptr);
  m_model->set_emit([this](size_t iface, std::vector<uint8_t>&& bytes) { Emit(iface, std::move(bytes)); });
}

void LinuxNode::AttachDevice(size_t iface, ns3::Ptr<ns3::NetDevice> dev) {
  m_devices.at(iface) = dev;
  for (uint16_t proto : {kEtherIpv4, kEtherIpv6}) {
    m_node->RegisterProtocolHandler(ns3::MakeCallback(&LinuxNode::Receive, this), proto, dev);
  }
}

void LinuxNode::AttachTun(size_t iface, std::function<void(std::vector<uint8_t>&&)> reader) {
  m_tuns.at(iface) = std::move(reader);
}

void LinuxNode::CaptureTun(ns3::Ptr<ns3::PcapFileWrapper> file) { m_tunCapture = file; }

void LinuxNode::WatchWire(size_t iface, std::function<void(std::span<const uint8_t>)> watcher) {
  m_watchers.at(iface) = std::move(watcher);
}

void LinuxNode::SetTunUp(size_t iface, bool up) { m_model->set_interface_up(iface, up); }

void LinuxNode::WriteTun(size_t iface, std::span<const uint8_t> packet) {
  ++m_tunIn;
  if (m_tunCapture) m_tunCapture->Write(ns3::Simulator::Now(), packet.data(), static_cast<uint32_t>(packet.size()));
  m_model->receive(iface, std::vector<uint8_t>(packet.begin(), packet.end()), Now());
}

void LinuxNode::Receive(ns3::Ptr<ns3::NetDevice> dev, ns3::Ptr<const ns3::Packet> p, uint16_t, const ns3::Address&,
                        const ns3::Address&, ns3::NetDevice::PacketType) {
  size_t iface = 0;
  while (iface < m_devices.size() && m_devices[iface] != dev) ++iface;
  if (iface == m_devices.size()) return;
  std::vector<uint8_t> bytes(p->GetSize());
  p->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
  check_on_wire(bytes, m_model->config().private_sources, m_wire);
  if (m_watchers[iface]) m_watchers[iface](bytes);
  if (m_pipeline && (iface == m_lan || iface == m_wan)) {
    const auto dir = iface == m_lan ? middlebox::Direction::kClientToServer : middlebox::Direction::kServerToClient;
    middlebox::Outputs outs;
    m_pipeline->on_packet(dir, bytes, Now(), outs);
    Release(outs);
    return;
  }
  ToModel(iface, std::move(bytes));
}

void LinuxNode::ToModel(size_t iface, std::vector<uint8_t>&& bytes) { m_model->receive(iface, std::move(bytes), Now()); }

// What the middlebox models let out goes on where the netns relay's verdicts go: a passed or
// rewritten packet continues into conntrack on its interface; a packet of a model's own (a
// reset, a duplicate) is sent like the relay's raw socket does, through LOCAL_OUT.
void LinuxNode::Release(middlebox::Outputs& outs) {
  for (middlebox::Output& out : outs) {
    const size_t iface = out.direction == middlebox::Direction::kClientToServer ? m_lan : m_wan;
    const bool injected = out.injected;
    auto deliver = [this, iface, injected](std::vector<uint8_t>&& bytes) {
      if (injected) m_model->output(std::move(bytes), Now());
      else m_model->receive(iface, std::move(bytes), Now());
    };
    if (out.delay.count() > 0) {
      ns3::Simulator::Schedule(to_ns3(out.delay), [deliver, bytes = std::move(out.bytes)]() mutable { deliver(std::move(bytes)); });
    } else {
      deliver(std::move(out.bytes));
    }
  }
  ScheduleTimer();
}

void LinuxNode::SetPipeline(std::unique_ptr<middlebox::Pipeline> pipeline, size_t lan, size_t wan) {
  m_pipeline = std::move(pipeline);
  m_lan = lan;
  m_wan = wan;
  ScheduleTimer();
}

void LinuxNode::TriggerPipeline() {
  if (!m_pipeline) return;
  middlebox::Outputs outs;
  m_pipeline->trigger(Now(), outs);
  Release(outs);
}

void LinuxNode::ScheduleTimer() {
  if (!m_pipeline) return;
  const phantasm::Time next = m_pipeline->next_deadline();
  if (next == m_timerAt) return;
  m_timer.Cancel();
  m_timerAt = next;
  if (next.is_never()) return;
  const phantasm::Time now = Now();
  m_timer = ns3::Simulator::Schedule(to_ns3(next > now ? next - now : Duration{0}), &LinuxNode::OnTimer, this);
}

void LinuxNode::OnTimer() {
  m_timerAt = phantasm::Time::never();
  middlebox::Outputs outs;
  m_pipeline->on_timer(Now(), outs);
  Release(outs);
}

void LinuxNode::Emit(size_t iface, std::vector<uint8_t>&& bytes) {
  if (ns3::Ptr<ns3::NetDevice> dev = m_devices[iface]) {
    const uint16_t proto = (!bytes.empty() && bytes[0] >> 4 == 6) ? kEtherIpv6 : kEtherIpv4;
    check_on_wire(bytes, m_model->config().private_sources, m_wire);
    if (m_watchers[iface]) m_watchers[iface](bytes);
    dev->Send(ns3::Create<ns3::Packet>(bytes.data(), static_cast<uint32_t>(bytes.size())), dev->GetBroadcast(), proto);
    return;
  }
  if (!m_tuns[iface]) return;
  if (m_tunCapture) m_tunCapture->Write(ns3::Simulator::Now(), bytes.data(), static_cast<uint32_t>(bytes.size()));
  ns3::Simulator::ScheduleNow([reader = m_tuns[iface], bytes = std::move(bytes)]() mutable { reader(std::move(bytes)); });
}

}  // namespace phantasm::sim
