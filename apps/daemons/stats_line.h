// The stats line: engine and host counters of all workers, and the TUN's kernel counters.
#pragma once

#include <optional>
#include <string>

#include "harness/linux/rtnetlink.h"
#include "harness/linux/worker.h"

namespace phantasm::daemons {

std::string format_stats(const linux_host::WorkerSnapshot& total,
                         const std::optional<linux_host::LinkStats>& tun);

// Adds `b` into `a` (the engine and host counters and the flow counts).
void accumulate(linux_host::WorkerSnapshot& a, const linux_host::WorkerSnapshot& b);

}  // namespace phantasm::daemons
