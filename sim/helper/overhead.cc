#include "sim/helper/overhead.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>

#include "harness/scenario/expectation.h"
#include "sim/helper/sim_run.h"

namespace phantasm::sim {
namespace {

constexpr unsigned kIpUdp = 20 + 8;
// Ethernet per frame: preamble and start delimiter 8, header 14, FCS 4, inter-frame gap 12.
constexpr unsigned kEthernetFraming = 8 + 14 + 4 + 12;
constexpr unsigned kPppHeader = 2;  // ns-3's point-to-point device

scenario::Scenario saturating_scenario(const std::string& rate) {
  scenario::Scenario s;
  s.name = "overhead-1g";
  s.summary = "one flow offering more than a 1 Gbit/s link carries, 1400-byte datagrams, one way";
  s.catalogue = "overhead";
  scenario::FlowGroup g;
  g.name = "bulk";
  g.flows = 1;
  g.rate = rate;
  g.size = "1400";
  g.direction = scenario::Direction::kUp;
  g.duration = std::chrono::milliseconds(1000);
  s.traffic.push_back(g);
  scenario::add_implicit_checks(s.expect);
  return s;
}

}  // namespace

std::vector<OverheadRow> overhead_table(unsigned payload, double link) {
  std::vector<OverheadRow> rows;
  for (const auto& [name, extra] : {std::pair<const char*, unsigned>{"direct UDP", 0}, {"Phantasm (fake TCP)", 12},
                                    {"udp2raw-shaped", 44}}) {
    OverheadRow r;
    r.name = name;
    r.extra_over_udp = extra;
    r.ip_bytes = payload + kIpUdp + extra;
    r.ethernet_goodput = link * payload / (r.ip_bytes + kEthernetFraming);
    r.p2p_goodput = link * payload / (r.ip_bytes + kPppHeader);
    rows.push_back(r);
  }
  return rows;
}

int run_overhead(int argc, char** argv) {
  CLI::App app("Goodput of 1400-byte datagrams: direct UDP, Phantasm, udp2raw-shaped; one row simulated",
               "phantasm sim overhead");
  unsigned payload = 1400;
  std::string offered = "1200M";
  bool no_sim = false;
  app.add_option("--payload", payload, "UDP payload bytes per datagram")->capture_default_str();
  app.add_option("--offered", offered, "what the simulated sender offers (udpgen rate)")->capture_default_str();
  app.add_flag("--no-sim", no_sim, "the arithmetic only");
  CLI11_PARSE(app, argc, argv);

  const double link = 1e9;
  const auto rows = overhead_table(payload, link);
  std::printf("| encapsulation | bytes beyond IP+UDP | IP packet | goodput, 1 Gbit/s Ethernet | goodput, 1 Gbit/s ns-3 p2p | vs direct UDP |\n"
              "|---|---|---|---|---|---|\n");
  for (const OverheadRow& r : rows) {
    std::printf("| %s | %u | %u B | %.2f Mbit/s | %.2f Mbit/s | %.2f%% |\n", r.name.c_str(), r.extra_over_udp, r.ip_bytes,
                r.ethernet_goodput / 1e6, r.p2p_goodput / 1e6, 100.0 * r.ethernet_goodput / rows[0].ethernet_goodput);
  }
  if (no_sim) return 0;

  SimRunOptions o;
  o.links.rate = "1Gbps";
  const scenario::Scenario s = saturating_scenario(offered);
  const SimRunResult r = run_in_sim(s, o);
  if (!r.error.empty() || r.groups.empty()) {
    std::fprintf(stderr, "sim overhead: the simulation failed: %s\n", r.error.c_str());
    return 1;
  }
  const GroupStats& g = r.groups.front();
  const double span = static_cast<double>(g.last_arrival_ns - g.first_arrival_ns) * 1e-9;
  // Datagrams after the first, over the time from the first arrival to the last.
  const double measured = span > 0 ? 8.0 * static_cast<double>(g.delivered_bytes - payload) / span : 0;
  const double expected = rows[1].p2p_goodput;
  std::printf("\nSimulated (Phantasm, client -> 1 Gbit/s p2p -> server, %s offered for 1 s): %llu of %llu datagrams "
              "delivered, goodput %.2f Mbit/s, arithmetic %.2f Mbit/s (%+.3f%%)\n",
              offered.c_str(), static_cast<unsigned long long>(g.delivered), static_cast<unsigned long long>(g.sent),
              measured / 1e6, expected / 1e6, 100.0 * (measured - expected) / expected);
  std::printf("Simulation speed: %llu packets handled in %.2f s of wall time: %.0f packets per second\n",
              static_cast<unsigned long long>(r.packets), r.wall_seconds, static_cast<double>(r.packets) / r.wall_seconds);
  return std::abs(measured - expected) / expected < 0.005 ? 0 : 1;
}

}  // namespace phantasm::sim
