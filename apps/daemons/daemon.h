// Runs a daemon until SIGINT/SIGTERM: sets the host up (TUN, addresses, sockets), starts one
// worker thread per TUN queue, logs stats, and on a signal closes every flow with a RST and
// removes the TUN. Returns the process exit status; setup errors are one line on the log.
#pragma once

#include "apps/daemons/options.h"

namespace phantasm::daemons {

int run_daemon(const DaemonOptions& options);

}  // namespace phantasm::daemons
