// `phantasm sim` in a build without ns-3: say why, and how to get it.
#include <cstdio>

#include "sim/helper/sim_command.h"

namespace phantasm::sim {

int run_sim_command(int, char**) {
  std::fprintf(stderr,
               "phantasm sim: this build has no ns-3 simulation: %s.\n"
               "Install Debian's libns3-dev (scripts/install-deps.sh does) and configure again.\n",
               PHANTASM_NS3_WHY_NOT);
  return 2;
}

}  // namespace phantasm::sim
