// Phantun's README topology in ns-3, with pcaps: the client host masquerading its TUN, a
// carrier NAT, the server host DNATing port 4567 to its TUN; every node with its own
// conntrack. Prints the verdict, the numbers and where the captures went.
//
//   sim-example-readme-topology [SCENARIO.yaml] [PCAP-DIR]
#include <cstdio>
#include <filesystem>

#include "harness/scenario/parse.h"
#include "sim/helper/sim_report.h"
#include "sim/helper/sim_run.h"

int main(int argc, char** argv) {
  const std::string file = argc > 1 ? argv[1] : "scenarios/readme-topology.yaml";
  const std::string pcaps = argc > 2 ? argv[2] : "readme-topology-pcaps";
  try {
    const auto s = phantasm::scenario::load_scenario(file);
    phantasm::sim::SimRunOptions o;
    o.pcap_dir = pcaps;
    std::filesystem::create_directories(pcaps);
    const auto r = phantasm::sim::run_in_sim(s, o);
    std::printf("%s%s%s", phantasm::sim::verdict_header().c_str(), phantasm::sim::verdict_row(s, r).c_str(),
                phantasm::sim::run_details(r).c_str());
    std::printf("pcaps (tcpdump -nn -r FILE) in %s/\n", pcaps.c_str());
    return r.judgement.as_expected ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
}
