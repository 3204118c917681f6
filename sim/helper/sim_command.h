// `phantasm sim`: the scenario catalogue in ns-3 (sim/README.md).
//
//   phantasm sim run FILE... | --all [--dir DIR] [--quick] [--json F] [--markdown F]
//                    [--pcap-dir DIR] [--netns-json F] [--cross-check F]
//   phantasm sim overhead [--json F]
#pragma once

namespace phantasm::sim {

int run_sim_command(int argc, char** argv);

}  // namespace phantasm::sim
