// The Phantun README benchmark's topology in three namespaces, with a per-run prefix:
//
//   client ns                 router ns                        server ns
//   iperf3 -c (receiver)      forwarding,                      iperf3 -s (sender, -R)
//   c0 10.90.1.2  ---------   r0 10.90.1.1 | r1 10.90.2.1  ---  s0 10.90.2.2
//                             masquerade out of r1 (a NAT)
//
// Veths keep the kernel's default offloads (TSO on, GRO off), recorded in the results. MTU
// 1500 everywhere: a 1400-byte datagram plus any tunnel's headers fits, so nothing fragments
// (the IP fragment counters in the results prove it). The destructor deletes the namespaces.
#pragma once

#include <string>
#include <vector>

namespace phantasm::bench {

struct Namespaces {
  std::string client;
  std::string router;
  std::string server;
  std::vector<std::string> all() const { return {client, router, server}; }
};

inline constexpr const char* kServerAddress = "10.90.2.2";
inline constexpr const char* kClientUplink = "c0";
inline constexpr const char* kServerUplink = "s0";
// Every veth, as "namespace-role:device" pairs for the offload and drop records.
struct VethEnd {
  std::string role;  // "client", "router", "server"
  std::string device;
};
std::vector<VethEnd> veth_ends();

class BenchTopology {
 public:
  explicit BenchTopology(std::string prefix);
  ~BenchTopology();
  BenchTopology(const BenchTopology&) = delete;
  BenchTopology& operator=(const BenchTopology&) = delete;

  void build();
  const Namespaces& ns() const { return ns_; }
  const std::string& by_role(const std::string& role) const;

 private:
  Namespaces ns_;
};

// nft tables installed in namespaces for one trial and deleted again when it ends, so that
// each mode starts from the bare topology.
class ScopedRules {
 public:
  ScopedRules() = default;
  ~ScopedRules();
  ScopedRules(const ScopedRules&) = delete;
  ScopedRules& operator=(const ScopedRules&) = delete;
  // `script` must create exactly the table `family table`.
  void add(const std::string& ns, const std::string& family, const std::string& table, const std::string& script);

 private:
  struct Installed {
    std::string ns, family, table;
  };
  std::vector<Installed> installed_;
};

}  // namespace phantasm::bench
