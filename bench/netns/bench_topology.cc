#include "bench/netns/bench_topology.h"

#include <stdexcept>

#include "netns-tests/runner/process.h"

namespace phantasm::bench {

using netns::must_run_in;
using netns::run_in;

std::vector<VethEnd> veth_ends() { return {{"client", "c0"}, {"router", "r0"}, {"router", "r1"}, {"server", "s0"}}; }

BenchTopology::BenchTopology(std::string prefix)
    : ns_{prefix + "c", prefix + "r", prefix + "s"} {}

BenchTopology::~BenchTopology() {
  // Deleting a namespace removes its veths, TUNs and rules with it.
  for (const std::string& n : ns_.all()) run_in("", {"ip", "netns", "del", n});
}

const std::string& BenchTopology::by_role(const std::string& role) const {
  if (role == "client") return ns_.client;
  if (role == "router") return ns_.router;
  return ns_.server;
}

void BenchTopology::build() {
  for (const std::string& n : ns_.all()) {
    must_run_in("", {"ip", "netns", "add", n});
    must_run_in(n, {"ip", "link", "set", "lo", "up"});
    must_run_in(n, {"sysctl", "-qw", "net.ipv4.ip_forward=1"});
  }
  must_run_in("", {"ip", "link", "add", "c0", "netns", ns_.client, "type", "veth", "peer", "name", "r0", "netns",
                   ns_.router});
  must_run_in("", {"ip", "link", "add", "s0", "netns", ns_.server, "type", "veth", "peer", "name", "r1", "netns",
                   ns_.router});
  must_run_in(ns_.client, {"ip", "addr", "add", "10.90.1.2/24", "dev", "c0"});
  must_run_in(ns_.router, {"ip", "addr", "add", "10.90.1.1/24", "dev", "r0"});
  must_run_in(ns_.router, {"ip", "addr", "add", "10.90.2.1/24", "dev", "r1"});
  must_run_in(ns_.server, {"ip", "addr", "add", "10.90.2.2/24", "dev", "s0"});
  for (const VethEnd& v : veth_ends()) must_run_in(by_role(v.role), {"ip", "link", "set", v.device, "up"});
  must_run_in(ns_.client, {"ip", "route", "add", "default", "via", "10.90.1.1"});
  must_run_in(ns_.server, {"ip", "route", "add", "default", "via", "10.90.2.1"});
  // The carrier NAT every mode crosses, direct UDP included.
  must_run_in(ns_.router, {"nft", "-f", "-"}, R"(table ip phx_bench_router {
  chain post { type nat hook postrouting priority 100; oifname "r1" masquerade; }
}
)");
}

ScopedRules::~ScopedRules() {
  for (auto it = installed_.rbegin(); it != installed_.rend(); ++it) {
    run_in(it->ns, {"nft", "delete", "table", it->family, it->table});
  }
}

void ScopedRules::add(const std::string& ns, const std::string& family, const std::string& table,
                      const std::string& script) {
  must_run_in(ns, {"nft", "-f", "-"}, script);
  installed_.push_back({ns, family, table});
}

}  // namespace phantasm::bench
