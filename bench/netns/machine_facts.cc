#include "bench/netns/machine_facts.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "netns-tests/runner/process.h"

namespace phantasm::bench {
namespace {

using Json = nlohmann::json;

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "";
}

std::string os_name() {
  std::ifstream in("/etc/os-release");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      std::string v = line.substr(12);
      if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return "";
}

std::string sysctl(const std::string& ns, const std::string& name) {
  const auto r = netns::run_in(ns, {"sysctl", "-n", name});
  return r.status == 0 ? first_line(r.output) : "";
}

// The offloads that decide how many skbs cross a veth: segmentation (TSO/GSO), checksums, and
// receive coalescing (GRO, off on veth unless asked for).
Json offloads(const std::string& ns, const std::string& dev) {
  static const char* kFeatures[] = {"tx-checksumming", "scatter-gather", "tcp-segmentation-offload",
                                    "generic-segmentation-offload", "generic-receive-offload",
                                    "large-receive-offload", "rx-gro-list", "rx-udp-gro-forwarding",
                                    "tx-udp-segmentation"};
  Json j = Json::object();
  const auto r = netns::run_in(ns, {"ethtool", "-k", dev});
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    for (const char* f : kFeatures) {
      const std::string prefix = std::string(f) + ": ";
      if (line.rfind(prefix, 0) == 0) j[f] = line.substr(prefix.size());
    }
  }
  return j;
}

}  // namespace

std::string iperf3_version() {
  const auto r = netns::run_command({"iperf3", "--version"});
  std::smatch m;
  const std::string line = first_line(r.output);
  if (r.status != 0 || !std::regex_search(line, m, std::regex(R"(iperf (\d+)\.(\d+))"))) return "";
  return m[1].str() + "." + m[2].str();
}

Json machine_facts(const BenchTopology& topology) {
  utsname u{};
  ::uname(&u);
  std::ifstream loadavg("/proc/loadavg");
  double l1 = 0, l5 = 0, l15 = 0;
  loadavg >> l1 >> l5 >> l15;
  const std::string version = iperf3_version();
  int major = 0, minor = 0;
  std::sscanf(version.c_str(), "%d.%d", &major, &minor);
  Json veths = Json::object();
  for (const VethEnd& v : veth_ends()) {
    veths[v.role + ":" + v.device] = offloads(topology.by_role(v.role), v.device);
  }
  const std::string& ns = topology.ns().server;
  return Json{
      {"cores", ::sysconf(_SC_NPROCESSORS_ONLN)},
      {"cpu_model", cpu_model()},
      {"kernel", u.release},
      {"os", os_name()},
      {"iperf3_version", version},
      // Multi-threaded (a thread per stream) since 3.16; 3.12 is what Debian 12 ships.
      {"iperf3_single_threaded", major < 3 || (major == 3 && minor < 16)},
      {"iperf3_full_version", first_line(netns::run_command({"iperf3", "--version"}).output)},
      {"load_before", {l1, l5, l15}},
      {"veth_offloads", veths},
      {"veth_mtu", 1500},
      {"sysctl", {{"net.core.rmem_default", sysctl(ns, "net.core.rmem_default")},
                  {"net.core.rmem_max", sysctl(ns, "net.core.rmem_max")},
                  {"net.core.wmem_default", sysctl(ns, "net.core.wmem_default")},
                  {"net.core.netdev_max_backlog", sysctl(ns, "net.core.netdev_max_backlog")},
                  {"net.netfilter.nf_conntrack_tcp_loose", sysctl(ns, "net.netfilter.nf_conntrack_tcp_loose")}}}};
}

}  // namespace phantasm::bench
