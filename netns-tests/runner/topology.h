// The namespaces of one run: client -- middlebox 1 -- ... -- middlebox n -- server, joined by
// veth pairs. Every box faces the client with "lan" and the server with "wan"; the client's
// uplink is "wan", the server's "lan". Link i (0..n) is 10.99.i.0/24 and fd99:i::/64, its
// client-side end .1 / ::1, its server-side end .2 / ::2. Names carry a per-run prefix, and
// the destructor deletes every namespace it made, whatever happened.
#pragma once

#include <string>
#include <vector>

#include "harness/scenario/scenario.h"

namespace phantasm::netns {

struct Node {
  std::string label;  // "client", a box name, "server"
  std::string ns;     // namespace name
};

class Topology {
 public:
  Topology(const scenario::Scenario& s, std::string prefix);
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  // Creates namespaces, links, addresses, routes, forwarding.
  void build();

  const Node& client() const { return nodes_.front(); }
  const Node& server() const { return nodes_.back(); }
  const Node& box(size_t i) const { return nodes_[i + 1]; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const Node* find(const std::string& label) const;
  size_t boxes() const { return nodes_.size() - 2; }

  // Address of a link end: link i, side 1 (client side) or 2 (server side).
  std::string address(size_t link, int side) const;
  // The server's address as the client dials it.
  std::string server_address() const { return address(boxes(), 2); }
  bool ipv6() const { return ipv6_; }

 private:
  std::vector<Node> nodes_;
  bool ipv6_;
  bool built_ = false;
};

}  // namespace phantasm::netns
