// A scenario's path as ns-3 nodes, laid out like the netns runner's namespaces
// (netns-tests/runner/topology.h) so both worlds have the same addresses and rules:
//
//   client --link 0-- box 1 --link 1-- ... --link n-- server
//
// Link i is 10.99.i.0/24 and fd99:i::/64, its client-side end .1 / ::1, its server-side end
// .2 / ::2; every box faces the client with "lan" and the server with "wan". The client host
// has the TUN "pt" (192.168.200.1 peer .2, fcc8::1 peer ::2) and masquerades it out of "wan";
// the server host has "lan" and its TUN (192.168.201.1 peer .2, fcc9::1 peer ::2) and DNATs
// TCP 4567 to the TUN peer. Each node is a LinuxNode with its own conntrack; each box also
// hosts its middlebox models (harness/middlebox, everything modelled) in front of conntrack.
#pragma once

#include <string>
#include <vector>

#include "harness/scenario/scenario.h"
#include "ns3/node.h"
#include "ns3/point-to-point-net-device.h"
#include "sim/model/linux_node.h"

namespace phantasm::sim {

inline constexpr uint16_t kTunnelPort = 4567;

struct LinkSettings {
  std::string rate = "10Gbps";    // veths are fast: the links must not be the bottleneck
  std::string delay = "10us";     // one way, per link
  uint32_t queue_packets = 1000;
};

struct SimNode {
  std::string label;  // "client", a box name, "server"
  ns3::Ptr<ns3::Node> node;
  ns3::Ptr<LinuxNode> linux;
  std::vector<ns3::Ptr<ns3::PointToPointNetDevice>> devices;  // by model interface (null: TUN)
};

class SimTopology {
 public:
  // Builds nodes, links, addresses, routes, NAT and firewall rules, and the boxes' models.
  // `pcap_dir` non-empty: one pcap per interface, <label>-<iface>.pcap (PPP links, raw-IP TUNs),
  // each packet cut to `snaplen` bytes (0: whole packets; a 1 GiB scenario is then 14 GB of pcaps).
  SimTopology(const scenario::Scenario& s, const LinkSettings& links, const std::string& pcap_dir, uint32_t snaplen);

  const SimNode& client() const { return nodes_.front(); }
  const SimNode& server() const { return nodes_.back(); }
  const std::vector<SimNode>& nodes() const { return nodes_; }
  const SimNode* find(const std::string& label) const;

  // Model interface indices of the TUNs.
  static constexpr size_t kClientTun = 0;
  static constexpr size_t kServerTun = 1;
  // The server as the client dials it.
  SocketAddress server_endpoint() const;
  bool ipv6() const { return ipv6_; }

  static IpAddress link_address(size_t link, int side, bool v6);

 private:
  std::vector<SimNode> nodes_;
  bool ipv6_;
};

// A scenario firewall's conntrack sysctls and forward rules in the models' terms.
TcpCtSettings conntrack_settings(const scenario::ConntrackSettings& c);

}  // namespace phantasm::sim
