#include "sim/helper/sim_topology.h"

#include "harness/middlebox/from_scenario.h"
#include "ns3/drop-tail-queue.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/string.h"
#include "ns3/trace-helper.h"
#include "ns3/uinteger.h"

namespace phantasm::sim {
namespace {

IpAddress ip(const std::string& text) { return *IpAddress::parse(text); }

IpPrefix prefix(const std::string& text, uint8_t length) { return {ip(text), length}; }

// The addresses every namespace must never send on a wire (the netns check table's leak rule).
std::vector<IpPrefix> private_sources() {
  return {prefix("192.168.200.0", 24), prefix("192.168.201.0", 24), prefix("fcc8::", 16), prefix("fcc9::", 16)};
}

void apply_firewall(NodeConfig& c, const std::optional<scenario::Firewall>& fw) {
  if (!fw) return;
  c.conntrack = conntrack_settings(fw->conntrack);
  ForwardFirewall f;
  f.drop_invalid = fw->drop_invalid;
  f.new_must_be_syn = fw->profile != scenario::FirewallProfile::kOpen;
  f.max_connections = fw->max_connections;
  c.firewall = f;
}

void connected(NodeConfig& c, size_t link, size_t iface) {
  c.routes.push_back({prefix("10.99." + std::to_string(link) + ".0", 24), iface});
  c.routes.push_back({prefix("fd99:" + std::to_string(link) + "::", 64), iface});
}

void default_route(NodeConfig& c, size_t iface) {
  c.routes.push_back({prefix("0.0.0.0", 0), iface});
  c.routes.push_back({prefix("::", 0), iface});
}

NodeInterface wire(const std::string& name, size_t link, int side) {
  return NodeInterface{name, {SimTopology::link_address(link, side, false), SimTopology::link_address(link, side, true)}};
}

}  // namespace

TcpCtSettings conntrack_settings(const scenario::ConntrackSettings& c) {
  TcpCtSettings s;
  if (c.be_liberal) s.be_liberal = *c.be_liberal;
  if (c.loose) s.loose = *c.loose;
  if (c.ignore_invalid_rst) s.ignore_invalid_rst = *c.ignore_invalid_rst;
  if (c.max_retrans) s.max_retrans = *c.max_retrans;
  // The sysctls are whole seconds, rounded up as the netns runner writes them.
  auto secs = [](scenario::Millis ms) { return Duration(std::chrono::seconds(std::max<int64_t>(1, (ms.count() + 999) / 1000))); };
  if (c.timeout_established) s.timeouts.state[static_cast<size_t>(TcpCtState::kEstablished)] = secs(*c.timeout_established);
  if (c.timeout_unacknowledged) s.timeouts.unack = secs(*c.timeout_unacknowledged);
  if (c.timeout_max_retrans) s.timeouts.retrans = secs(*c.timeout_max_retrans);
  if (c.timeout_syn_sent) s.timeouts.state[static_cast<size_t>(TcpCtState::kSynSent)] = secs(*c.timeout_syn_sent);
  if (c.timeout_close) s.timeouts.state[static_cast<size_t>(TcpCtState::kClose)] = secs(*c.timeout_close);
  return s;
}

IpAddress SimTopology::link_address(size_t link, int side, bool v6) {
  if (v6) return ip("fd99:" + std::to_string(link) + "::" + std::to_string(side));
  return ip("10.99." + std::to_string(link) + "." + std::to_string(side));
}

SocketAddress SimTopology::server_endpoint() const {
  return SocketAddress{link_address(nodes_.size() - 2, 2, ipv6_), kTunnelPort};
}

const SimNode* SimTopology::find(const std::string& label) const {
  for (const SimNode& n : nodes_) {
    if (n.label == label) return &n;
  }
  return nullptr;
}

SimTopology::SimTopology(const scenario::Scenario& s, const LinkSettings& links, const std::string& pcap_dir,
                         uint32_t snaplen)
    : ipv6_(s.family == scenario::Family::kIpv6) {
  const size_t boxes = s.middleboxes.size();
  std::vector<NodeConfig> configs;

  NodeConfig client;
  client.label = "client";
  client.interfaces = {NodeInterface{"pt", {ip("192.168.200.1"), ip("fcc8::1")}, 0, false}, wire("wan", 0, 1)};
  client.routes = {{prefix("192.168.200.2", 32), kClientTun}, {prefix("fcc8::2", 128), kClientTun}};
  connected(client, 0, 1);
  default_route(client, 1);
  client.snat = SourceNatRule{kClientTun, 1, true, {}, std::nullopt};  // iifname "pt" oifname "wan" masquerade
  apply_firewall(client, s.client.firewall);
  configs.push_back(std::move(client));

  for (size_t k = 0; k < boxes; ++k) {
    const scenario::Middlebox& box = s.middleboxes[k];
    NodeConfig c;
    c.label = box.name;
    c.interfaces = {wire("lan", k, 2), wire("wan", k + 1, 1)};
    if (box.mtu) c.interfaces[1].mtu = *box.mtu;
    connected(c, k, 0);
    connected(c, k + 1, 1);
    for (size_t behind = 0; behind < k; ++behind) connected(c, behind, 0);
    default_route(c, 1);
    if (box.nat) {
      SourceNatRule r;
      r.out_iface = 1;
      r.masquerade = box.nat->kind == scenario::NatKind::kMasquerade;
      r.to = c.interfaces[1].addresses;
      if (box.nat->ports) r.ports = PortSpan{box.nat->ports->first, box.nat->ports->last};
      c.snat = r;
    }
    apply_firewall(c, box.firewall);
    configs.push_back(std::move(c));
  }

  NodeConfig server;
  server.label = "server";
  server.interfaces = {wire("lan", boxes, 2), NodeInterface{"pt", {ip("192.168.201.1"), ip("fcc9::1")}, 0, false}};
  server.routes = {{prefix("192.168.201.2", 32), kServerTun}, {prefix("fcc9::2", 128), kServerTun}};
  connected(server, boxes, 0);
  default_route(server, 0);
  server.dnat = DestinationNatRule{0, kTunnelPort, {ip("192.168.201.2"), ip("fcc9::2")}};
  if (boxes > 0 && s.middleboxes.back().mtu) server.interfaces[0].mtu = *s.middleboxes.back().mtu;
  apply_firewall(server, s.server.firewall);
  configs.push_back(std::move(server));

  ns3::PointToPointHelper p2p;
  p2p.SetDeviceAttribute("DataRate", ns3::StringValue(links.rate));
  p2p.SetDeviceAttribute("Mtu", ns3::UintegerValue(65535));
  p2p.SetChannelAttribute("Delay", ns3::StringValue(links.delay));
  p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", ns3::StringValue(std::to_string(links.queue_packets) + "p"));

  uint64_t index = 0;
  for (NodeConfig& c : configs) {
    c.private_sources = private_sources();
    SimNode n;
    n.label = c.label;
    n.node = ns3::CreateObject<ns3::Node>();
    n.linux = ns3::CreateObject<LinuxNode>();
    n.devices.assign(c.interfaces.size(), nullptr);
    n.linux->Install(n.node, std::make_unique<NetfilterNode>(std::move(c), s.seed * 1000003ull + index++));
    nodes_.push_back(std::move(n));
  }

  ns3::PcapHelper pcap;
  const uint32_t snap = snaplen ? snaplen : 65535;
  auto capture = [&](const SimNode& n, const std::string& iface, ns3::Ptr<ns3::PointToPointNetDevice> dev) {
    if (pcap_dir.empty()) return;
    auto file = pcap.CreateFile(pcap_dir + "/" + n.label + "-" + iface + ".pcap", std::ios::out, ns3::PcapHelper::DLT_PPP, snap);
    pcap.HookDefaultSink<ns3::PointToPointNetDevice>(dev, "PromiscSniffer", file);
  };
  for (size_t link = 0; link + 1 < nodes_.size(); ++link) {
    SimNode& left = nodes_[link];
    SimNode& right = nodes_[link + 1];
    const ns3::NetDeviceContainer devs = p2p.Install(left.node, right.node);
    const size_t left_iface = 1;  // the client's and every box's "wan"
    const size_t right_iface = 0;  // every box's and the server's "lan"
    left.devices[left_iface] = ns3::DynamicCast<ns3::PointToPointNetDevice>(devs.Get(0));
    right.devices[right_iface] = ns3::DynamicCast<ns3::PointToPointNetDevice>(devs.Get(1));
    left.linux->AttachDevice(left_iface, left.devices[left_iface]);
    right.linux->AttachDevice(right_iface, right.devices[right_iface]);
    capture(left, "wan", left.devices[left_iface]);
    capture(right, "lan", right.devices[right_iface]);
  }
  if (!pcap_dir.empty()) {
    nodes_.front().linux->CaptureTun(pcap.CreateFile(pcap_dir + "/client-pt.pcap", std::ios::out, ns3::PcapHelper::DLT_RAW, snap));
    nodes_.back().linux->CaptureTun(pcap.CreateFile(pcap_dir + "/server-pt.pcap", std::ios::out, ns3::PcapHelper::DLT_RAW, snap));
  }

  for (size_t k = 0; k < boxes; ++k) {
    auto pipeline = middlebox::build_pipeline(s.middleboxes[k], s.seed + k, middlebox::Hosting::kEverything);
    if (!pipeline->empty()) nodes_[k + 1].linux->SetPipeline(std::move(pipeline), 0, 1);
  }
}

}  // namespace phantasm::sim
