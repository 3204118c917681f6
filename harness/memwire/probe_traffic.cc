#include "harness/memwire/probe_traffic.h"

#include <algorithm>
#include <cassert>

namespace phantasm::memwire {

ProbeTraffic::ProbeTraffic(Simulation& sim, ProbeTrafficConfig config)
    : sim_(sim), config_(config), scratch_(config.size) {
  assert(config_.size >= kProbeHeaderLen);
  // A start in the simulation's past means "now".
  config_.start = std::max(config_.start, sim_.now());
  sim_.on_server_datagram = [this](FlowId flow, std::span<const uint8_t> p) { at_server(flow, p); };
  sim_.on_client_datagram = [this](size_t peer, std::span<const uint8_t> p) {
    downstream_.on_received(p, static_cast<uint32_t>(peer));
  };
  const auto stagger = config_.flows == 0 ? Duration{0} : config_.interval / static_cast<int64_t>(config_.flows);
  for (size_t f = 0; f < config_.flows; ++f) {
    if (config_.datagrams_per_flow == 0) break;
    sim_.schedule(config_.start + stagger * static_cast<int64_t>(f),
                  [this, f] { send_next(static_cast<uint32_t>(f)); });
  }
}

void ProbeTraffic::send_next(uint32_t flow) {
  const uint32_t seq = upstream_.issue(flow);
  write_probe(scratch_, ProbeId{flow, seq});
  sim_.client_send(flow, scratch_);
  // One pending event per flow: the next send is scheduled only when this one happened.
  if (seq + 1 < config_.datagrams_per_flow) {
    sim_.schedule(sim_.now() + config_.interval, [this, flow] { send_next(flow); });
  }
}

void ProbeTraffic::at_server(FlowId flow, std::span<const uint8_t> payload) {
  const uint64_t key = uint64_t{flow.slot} << 32 | flow.generation;
  const auto known = server_flow_index_.find(key);
  const std::optional<uint32_t> expected =
      known == server_flow_index_.end() ? std::nullopt : std::optional<uint32_t>(known->second);
  const auto id = upstream_.on_received(payload, expected);
  if (!id) return;
  if (!expected) server_flow_index_[key] = id->flow;
  if (expected && *expected != id->flow) ++server_flow_mixups_;
  if (!config_.server_replies) return;
  std::vector<uint8_t> reply(payload.size());
  write_probe(reply, ProbeId{id->flow, downstream_.issue(id->flow)});
  sim_.server_send(flow, reply);
}

Time ProbeTraffic::last_send() const {
  if (config_.flows == 0 || config_.datagrams_per_flow == 0) return config_.start;
  const auto stagger = config_.interval / static_cast<int64_t>(config_.flows);
  return config_.start + stagger * static_cast<int64_t>(config_.flows - 1) +
         config_.interval * static_cast<int64_t>(config_.datagrams_per_flow - 1);
}

}  // namespace phantasm::memwire
