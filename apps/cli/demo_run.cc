#include "apps/cli/demo_run.h"

#include <chrono>

#include "harness/memwire/probe_traffic.h"
#include "harness/memwire/simulation.h"

namespace phantasm::cli {
namespace {

Duration from_ms(double ms) { return Duration{static_cast<int64_t>(ms * 1e6)}; }

void add(memwire::LinkStats& sum, const memwire::LinkStats& s) {
  sum.offered += s.offered;
  sum.queue_dropped += s.queue_dropped;
  sum.lost += s.lost;
  sum.duplicated += s.duplicated;
  sum.copies += s.copies;
}

}  // namespace

DemoResult run_demo_simulation(const DemoOptions& o) {
  using memwire::Direction;
  using memwire::Side;
  memwire::SimulationConfig config;
  config.seed = o.seed;
  config.trace_limit = o.trace;
  // The impairments sit on the client's leg; the server's leg only adds delay.
  const Duration one_way = from_ms(o.delay_ms);
  const Duration half = one_way / 2;
  config.client_leg = memwire::LegConfig::symmetric({.delay = half, .jitter = from_ms(o.jitter_ms), .loss = o.loss});
  config.server_leg = memwire::LegConfig::symmetric({.delay = one_way - half});
  memwire::Simulation sim(config);
  memwire::ProbeTraffic traffic(sim, {.flows = o.flows,
                                      .datagrams_per_flow = o.datagrams,
                                      .size = o.size,
                                      .interval = from_ms(o.interval_ms),
                                      .server_replies = true});
  // Long enough for the last answers to arrive, and for a handshake whose first SYN was lost
  // (retried after 1 s) to deliver what it queued.
  const Time end = traffic.last_send() + std::chrono::seconds(2) + 4 * from_ms(o.delay_ms + o.jitter_ms);
  sim.run_until(end);

  DemoResult r;
  r.options = o;
  r.ran_for = end - Time::zero();
  r.up = traffic.upstream().total();
  r.down = traffic.downstream().total();
  r.server_flow_mixups = traffic.server_flow_mixups();
  for (Direction dir : {Direction::kClientToServer, Direction::kServerToClient}) {
    add(r.network[memwire::index(dir)], sim.link(Side::kClient, dir).stats());
    add(r.network[memwire::index(dir)], sim.link(Side::kServer, dir).stats());
  }
  r.client = sim.client().counters();
  r.server = sim.server().counters();
  r.client_flows = sim.client().flow_count();
  r.server_flows = sim.server().flow_count();
  r.timer_stalls = sim.timer_stalls();
  r.trace = sim.trace();
  return r;
}

}  // namespace phantasm::cli
