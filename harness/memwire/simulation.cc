#include "harness/memwire/simulation.h"

#include <algorithm>
#include <cassert>
#include <stdexcept>
#include <utility>

#include "engine/core/rng.h"

namespace phantasm::memwire {
namespace {

constexpr size_t kClientLeg = 0;
constexpr size_t kServerLeg = 1;

uint64_t flow_key(FlowId f) { return uint64_t{f.slot} << 32 | f.generation; }

Direction outbound(Side s) { return s == Side::kClient ? Direction::kClientToServer : Direction::kServerToClient; }

}  // namespace

EngineConfig default_client_config() {
  EngineConfig c;
  c.role = Role::kClient;
  c.remote = SocketAddress{IpAddress::v4({192, 168, 201, 2}), kServerPort};
  return c;
}

EngineConfig default_server_config() {
  EngineConfig c;
  c.role = Role::kServer;
  c.listen_ports = {kServerPort};
  return c;
}

class Simulation::Sink final : public EngineSink {
 public:
  Sink(Simulation& sim, Side side) : sim_(sim), side_(side) {}

  void send_packet(std::span<const uint8_t> packet) override { sim_.packet_sent(side_, packet); }
  void deliver_datagram(FlowId flow, std::span<const uint8_t> payload) override {
    sim_.datagram_delivered(side_, flow, payload);
  }
  void flow_opened(FlowId flow, const FlowInfo& info) override {
    sim_.flow_event({sim_.now(), side_, flow, true, CloseReason::kLocalClose, info});
  }
  void flow_closed(FlowId flow, CloseReason reason) override {
    sim_.flow_event({sim_.now(), side_, flow, false, reason, {}});
  }

 private:
  Simulation& sim_;
  Side side_;
};

Simulation::Simulation(SimulationConfig config) : config_(std::move(config)) {
  for (const EngineConfig* c : {&config_.client, &config_.server}) {
    if (auto problem = validate(*c)) throw std::invalid_argument("memwire: engine config: " + *problem);
  }
  // Every random source gets its own seed from the one the test chose, so that switching an
  // impairment on one link does not change the fates on another.
  Rng seeds(config_.seed);
  const uint64_t client_seed = seeds.next_u64();
  const uint64_t server_seed = seeds.next_u64();
  links_[kClientLeg][index(Direction::kClientToServer)] = std::make_unique<Link>(config_.client_leg.to_server, seeds.next_u64());
  links_[kClientLeg][index(Direction::kServerToClient)] = std::make_unique<Link>(config_.client_leg.to_client, seeds.next_u64());
  links_[kServerLeg][index(Direction::kClientToServer)] = std::make_unique<Link>(config_.server_leg.to_server, seeds.next_u64());
  links_[kServerLeg][index(Direction::kServerToClient)] = std::make_unique<Link>(config_.server_leg.to_client, seeds.next_u64());

  client_sink_ = std::make_unique<Sink>(*this, Side::kClient);
  server_sink_ = std::make_unique<Sink>(*this, Side::kServer);
  client_ = std::make_unique<Endpoint>(config_.client, client_seed, *client_sink_);
  server_ = std::make_unique<Endpoint>(config_.server, server_seed, *server_sink_);
}

Simulation::~Simulation() = default;

void Simulation::schedule(Time at, EventQueue::Action action) {
  assert(at >= now_);
  queue_.schedule(std::max(at, now_), std::move(action));
}

SocketAddress Simulation::client_peer(size_t index) {
  assert(index < 45535);
  return SocketAddress{IpAddress::v4({127, 0, 0, 1}), static_cast<uint16_t>(20000 + index)};
}

namespace {

// A host buffer holding `payload` at the engine's headroom offset.
std::vector<uint8_t> with_headroom(std::span<const uint8_t> payload) {
  std::vector<uint8_t> buffer(wire::kHeadroom + payload.size());
  std::copy(payload.begin(), payload.end(), buffer.begin() + wire::kHeadroom);
  return buffer;
}

DatagramBuffer as_datagram(std::vector<uint8_t>& buffer) {
  return DatagramBuffer{buffer, wire::kHeadroom, buffer.size() - wire::kHeadroom};
}

}  // namespace

void Simulation::client_send(size_t peer, std::span<const uint8_t> payload) {
  schedule(now_, [this, peer, buffer = with_headroom(payload)]() mutable {
    ++app_[static_cast<size_t>(Side::kClient)].sent;
    client_->on_udp_datagram(client_peer(peer), as_datagram(buffer), now_);
  });
}

void Simulation::server_send(FlowId flow, std::span<const uint8_t> payload) {
  schedule(now_, [this, flow, buffer = with_headroom(payload)]() mutable {
    ++app_[static_cast<size_t>(Side::kServer)].sent;
    server_->on_udp_datagram(flow, as_datagram(buffer), now_);
  });
}

void Simulation::run_until(Time until) {
  // An engine may legitimately want its timer again at the same instant (one timer per call),
  // but not forever: past this many firings at one instant the endpoint counts as stalled.
  constexpr int kMaxFiringsPerInstant = 64;
  std::array<Time, 2> stalled_at = {Time::never(), Time::never()};
  std::array<int, 2> firings = {0, 0};
  Time firing_instant = Time::never();
  auto due = [&](Side s) {
    const Time d = endpoint(s).next_deadline();
    if (d.is_never()) return d;
    // A deadline that did not move past the instant it stalled at is not fired again.
    const Time stuck = stalled_at[static_cast<size_t>(s)];
    if (!stuck.is_never() && d <= stuck) return Time::never();
    return std::max(d, now_);
  };
  for (;;) {
    const Time event_at = queue_.next_time();
    const Time client_at = due(Side::kClient);
    const Time server_at = due(Side::kServer);
    const Time next = std::min({event_at, client_at, server_at});
    if (next.is_never() || next > until) break;
    now_ = next;
    // At one instant, pending events (arrivals, application sends) run before timers.
    if (event_at == next) {
      queue_.run_next();
    } else {
      const Side side = client_at == next ? Side::kClient : Side::kServer;
      const auto s = static_cast<size_t>(side);
      if (firing_instant != now_) {
        firing_instant = now_;
        firings = {0, 0};
      }
      Endpoint& e = endpoint(side);
      e.on_timer(now_);
      if (!e.next_deadline().is_never() && e.next_deadline() <= now_ && ++firings[s] > kMaxFiringsPerInstant) {
        ++timer_stalls_;
        stalled_at[s] = now_;
      }
    }
  }
  now_ = std::max(now_, until);
}

void Simulation::put_on_link(Link& link, std::vector<uint8_t> packet,
                             std::function<void(std::vector<uint8_t>)> next) {
  const Transmission t = link.transmit(packet.size(), now_);
  for (size_t i = 0; i < t.count; ++i) {
    std::vector<uint8_t> copy = i + 1 == t.count ? std::move(packet) : packet;
    schedule(t.arrivals[i], [next, copy = std::move(copy)]() mutable { next(std::move(copy)); });
  }
}

void Simulation::packet_sent(Side from, std::span<const uint8_t> packet) {
  const Direction dir = outbound(from);
  ++wire_sent_[index(dir)];
  if (trace_.size() < config_.trace_limit) trace_.push_back(trace_packet(now_, dir, packet));
  Link& near = *links_[from == Side::kClient ? kClientLeg : kServerLeg][index(dir)];
  put_on_link(near, std::vector<uint8_t>(packet.begin(), packet.end()),
              [this, dir](std::vector<uint8_t> p) { at_middlebox(dir, std::move(p)); });
}

void Simulation::at_middlebox(Direction dir, std::vector<uint8_t> packet) {
  if (!config_.middlebox) {
    onto_far_leg(dir, packet);
    return;
  }
  const Emit emit(now_, [this, dir](std::span<const uint8_t> out, Duration held) {
    if (held.count() <= 0) {
      onto_far_leg(dir, out);
    } else {
      schedule(now_ + held, [this, dir, copy = std::vector<uint8_t>(out.begin(), out.end())] {
        onto_far_leg(dir, copy);
      });
    }
  });
  config_.middlebox(dir, packet, emit);
}

void Simulation::onto_far_leg(Direction dir, std::span<const uint8_t> packet) {
  Link& far = *links_[dir == Direction::kClientToServer ? kServerLeg : kClientLeg][index(dir)];
  put_on_link(far, std::vector<uint8_t>(packet.begin(), packet.end()),
              [this, dir](std::vector<uint8_t> p) { arrive(dir, p); });
}

void Simulation::arrive(Direction dir, const std::vector<uint8_t>& packet) {
  ++wire_arrived_[index(dir)];
  if (on_arrival) on_arrival(dir, packet);
  Endpoint& to = dir == Direction::kClientToServer ? *server_ : *client_;
  to.on_network_packet(packet, now_);
}

void Simulation::datagram_delivered(Side side, FlowId flow, std::span<const uint8_t> payload) {
  AppCounts& counts = app_[static_cast<size_t>(side)];
  ++counts.delivered;
  counts.bytes_delivered += payload.size();
  if (side == Side::kClient) {
    if (on_client_datagram) on_client_datagram(peer_of(flow).value_or(SIZE_MAX), payload);
  } else if (on_server_datagram) {
    on_server_datagram(flow, payload);
  }
}

void Simulation::flow_event(FlowEvent e) {
  if (e.side == Side::kClient && e.opened && e.info.udp_peer) {
    const uint16_t port = e.info.udp_peer->port;
    if (port >= 20000) client_flow_peer_[flow_key(e.flow)] = static_cast<size_t>(port - 20000);
  }
  flow_events_.push_back(std::move(e));
}

std::optional<size_t> Simulation::peer_of(FlowId flow) const {
  const auto it = client_flow_peer_.find(flow_key(flow));
  if (it == client_flow_peer_.end()) return std::nullopt;
  return it->second;
}

const Link& Simulation::link(Side leg, Direction dir) const {
  return *links_[leg == Side::kClient ? kClientLeg : kServerLeg][index(dir)];
}

}  // namespace phantasm::memwire
