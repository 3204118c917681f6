#include "netns-tests/runner/topology.h"

#include "netns-tests/runner/process.h"

namespace phantasm::netns {

Topology::Topology(const scenario::Scenario& s, std::string prefix) : ipv6_(s.family == scenario::Family::kIpv6) {
  nodes_.push_back({"client", prefix + "c"});
  for (const scenario::Middlebox& b : s.middleboxes) nodes_.push_back({b.name, prefix + "m-" + b.name});
  nodes_.push_back({"server", prefix + "s"});
}

Topology::~Topology() {
  if (!built_) return;
  for (const Node& n : nodes_) run_command({"ip", "netns", "del", n.ns});
}

const Node* Topology::find(const std::string& label) const {
  for (const Node& n : nodes_) {
    if (n.label == label) return &n;
  }
  return nullptr;
}

std::string Topology::address(size_t link, int side) const {
  if (ipv6_) return "fd99:" + std::to_string(link) + "::" + std::to_string(side);
  return "10.99." + std::to_string(link) + "." + std::to_string(side);
}

void Topology::build() {
  built_ = true;  // from the first namespace on, the destructor cleans up
  for (const Node& n : nodes_) {
    must_run_in("", {"ip", "netns", "add", n.ns});
    must_run_in(n.ns, {"ip", "link", "set", "lo", "up"});
    must_run_in(n.ns, {"sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
                       "net.ipv6.conf.default.accept_dad=0"});
  }
  const std::string v4_mask = "/24", v6_mask = "/64";
  const size_t links = nodes_.size() - 1;
  for (size_t i = 0; i < links; ++i) {
    const Node& left = nodes_[i];
    const Node& right = nodes_[i + 1];
    must_run_in("", {"ip", "link", "add", "wan", "netns", left.ns, "type", "veth", "peer", "name", "lan", "netns", right.ns});
    struct End {
      const Node& node;
      std::string dev;
      int side;
    };
    for (const End& end : {End{left, "wan", 1}, End{right, "lan", 2}}) {
      const Node& node = end.node;
      const std::string& dev = end.dev;
      const int side = end.side;
      // Both families everywhere: the scenario's family picks which one the tunnel uses.
      must_run_in(node.ns, {"ip", "addr", "add", "10.99." + std::to_string(i) + "." + std::to_string(side) + v4_mask, "dev", dev});
      must_run_in(node.ns, {"ip", "addr", "add", "fd99:" + std::to_string(i) + "::" + std::to_string(side) + v6_mask,
                            "dev", dev, "nodad"});
      must_run_in(node.ns, {"ip", "link", "set", dev, "up"});
    }
  }
  // Towards the server: the default route. Towards the client side: one route per link behind.
  for (size_t n = 0; n + 1 < nodes_.size(); ++n) {
    must_run_in(nodes_[n].ns, {"ip", "route", "add", "default", "via", "10.99." + std::to_string(n) + ".2"});
    must_run_in(nodes_[n].ns, {"ip", "-6", "route", "add", "default", "via", "fd99:" + std::to_string(n) + "::2"});
  }
  const size_t last = nodes_.size() - 1;
  must_run_in(nodes_[last].ns, {"ip", "route", "add", "default", "via", "10.99." + std::to_string(last - 1) + ".1"});
  must_run_in(nodes_[last].ns, {"ip", "-6", "route", "add", "default", "via", "fd99:" + std::to_string(last - 1) + "::1"});
  for (size_t n = 1; n < last; ++n) {
    for (size_t behind = 0; behind + 1 < n; ++behind) {
      must_run_in(nodes_[n].ns, {"ip", "route", "add", "10.99." + std::to_string(behind) + ".0/24", "via",
                                 "10.99." + std::to_string(n - 1) + ".1"});
      must_run_in(nodes_[n].ns, {"ip", "-6", "route", "add", "fd99:" + std::to_string(behind) + "::/64", "via",
                                 "fd99:" + std::to_string(n - 1) + "::1"});
    }
  }
}

}  // namespace phantasm::netns
