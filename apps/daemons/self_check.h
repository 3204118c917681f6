// Startup checks of the host around the daemon: the settings Phantun's users most often miss
// (phantun-wire.md §6.1). They warn; they never stop the daemon, because the rule may live
// where we cannot see it (another namespace, iptables-legacy).
#pragma once

#include "apps/daemons/options.h"

namespace phantasm::daemons {

struct SelfCheckInputs {
  const DaemonOptions* options;
  bool ipv6_in_use;
  std::string tun_name;
};

// Logs a warning for each problem found.
void run_self_check(const SelfCheckInputs& inputs);

}  // namespace phantasm::daemons
