// Counters read around every trial, as JSON objects so that a delta is a plain subtraction:
// per namespace the UDP and IP MIB (/proc/net/snmp: where datagrams were dropped, whether
// anything fragmented) and every link's packet and drop counts (TUN and veths); for the machine
// /proc/stat and the softnet backlog drops; per process its CPU time.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>

namespace phantasm::bench {

using Json = nlohmann::json;

// {"udp": {InDatagrams, RcvbufErrors, ...}, "ip": {...}, "links": {dev: {rx_packets, ...}}}
Json namespace_counters(const std::string& ns);
// {"user": s, "system": s, "softirq": s, "busy": s, "total": s, ...} in seconds since boot,
// and "softnet_dropped" (packets the per-CPU backlog refused, netdev_max_backlog).
Json machine_counters();
// User + system CPU seconds of a process and all its threads; -1 when it is gone.
double process_cpu_seconds(pid_t pid);
// Threads of a process right now; 0 when it is gone.
int process_threads(pid_t pid);
// after - before for every number in `after` (objects recursively; others copied).
Json counter_delta(const Json& before, const Json& after);

}  // namespace phantasm::bench
