// The stats line: engine and host counters of all workers, and the TUN's kernel counters.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/linux/rtnetlink.h"
#include "harness/linux/worker.h"

namespace phantasm::daemons {

std::string format_stats(const linux_host::WorkerSnapshot& total,
                         const std::optional<linux_host::LinkStats>& tun);

// The non-zero losses by name, as the stats line's `drops:` lists them: the engine's drop reasons
// (e.g. pending-queue-full), then the host's and the kernel's (e.g. udp_rxq_overflow).
std::vector<std::pair<std::string_view, uint64_t>> named_drops(
    const linux_host::WorkerSnapshot& total, const std::optional<linux_host::LinkStats>& tun);

// Adds `b` into `a` (the engine and host counters and the flow counts).
void accumulate(linux_host::WorkerSnapshot& a, const linux_host::WorkerSnapshot& b);

}  // namespace phantasm::daemons
