#include "engine/endpoint/endpoint.h"

#include <algorithm>
#include <cassert>
#include <queue>

#include "engine/core/rng.h"
#include "engine/endpoint/connection.h"
#include "engine/endpoint/flow_table.h"
#include "engine/wire/icmp.h"
#include "engine/wire/phantun_segments.h"

namespace phantasm {

namespace flag = wire::tcp::flag;

std::string_view to_string(ConnState s) {
  switch (s) {
    case ConnState::kSynSent: return "syn-sent";
    case ConnState::kSynReceived: return "syn-received";
    case ConnState::kEstablished: return "established";
    case ConnState::kBackoff: return "backoff";
    case ConnState::kDetached: return "detached";
  }
  return "?";
}

namespace {

// Deadlines of all connections. Entries are never removed early: an entry whose time no
// longer matches its connection's queued deadline is stale and skipped when it surfaces, so a
// deadline that moves later (every datagram moves the idle deadline) costs nothing.
class TimerQueue {
 public:
  struct Entry {
    Time at;
    FlowId flow;
    bool operator>(const Entry& o) const { return at > o.at; }
  };
  void schedule(Connection& conn, Time at) {
    if (at.is_never() || at >= conn.queued_deadline) return;
    conn.queued_deadline = at;
    heap_.push(Entry{at, conn.id()});
  }
  Time earliest() const { return heap_.empty() ? Time::never() : heap_.top().at; }
  bool pop_due(Time now, Entry& out) {
    if (heap_.empty() || heap_.top().at > now) return false;
    out = heap_.top();
    heap_.pop();
    return true;
  }

 private:
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
};

// Token bucket for RST replies to unknown tuples, refilled from the caller's clock.
class RateLimiter {
 public:
  bool allow(Time now, uint32_t per_second) {
    if (per_second == 0) return false;
    const double capacity = per_second;
    if (!last_.is_never()) {
      const double elapsed = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(capacity, tokens_ + std::max(0.0, elapsed) * per_second);
    } else {
      tokens_ = capacity;
    }
    last_ = now;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double tokens_ = 0;
  Time last_ = Time::never();
};

}  // namespace

struct Endpoint::Impl final : ConnectionHost {
  Impl(EngineConfig c, uint64_t seed, EngineSink& s)
      : cfg(std::move(c)), rng(seed), sink(s), scratch_buffer(wire::kHeadroom + 65536) {}

  // ConnectionHost
  const EngineConfig& config() const override { return cfg; }
  EndpointCounters& counters() override { return stats; }
  void transmit(std::span<const uint8_t> packet) override {
    stats.packets_sent++;
    sink.send_packet(packet);
  }
  std::span<uint8_t> scratch() override { return scratch_buffer; }
  void deliver(Connection& conn, std::span<const uint8_t> payload) override { sink.deliver_datagram(conn.id(), payload); }
  void established(Connection& conn) override {
    table.sync_half_open(conn);
    if (!conn.opened_to_host()) open_to_host(conn);
  }
  std::optional<FourTuple> new_tuple(Connection& conn) override {
    auto tuple = client_tuple();
    if (tuple) table.retuple(conn, *tuple);
    return tuple;
  }
  void forget_tuple(Connection& conn) override { table.forget_tuple(conn); }
  uint64_t random() override { return rng.next_u64(); }

  // A tuple towards the configured server from a free source port.
  std::optional<FourTuple> client_tuple() {
    const IpAddress local_ip = cfg.remote.ip.is_v6() ? *cfg.local_v6 : cfg.local_v4;
    auto port = table.allocate_port(local_ip, cfg.remote, cfg.port_min, cfg.port_max, rng);
    if (!port) return std::nullopt;
    return FourTuple{{local_ip, *port}, cfg.remote};
  }

  void open_to_host(Connection& conn) {
    conn.mark_opened_to_host();
    stats.flows_opened++;
    sink.flow_opened(conn.id(), FlowInfo{conn.tuple(), conn.udp_peer()});
  }

  // Removes a closed connection, or queues its next deadline.
  void settle(Connection& conn) {
    table.sync_half_open(conn);
    if (conn.closed()) {
      const FlowId id = conn.id();
      const bool tell_host = conn.opened_to_host();
      const CloseReason reason = conn.close_reason();
      table.erase(id);
      if (tell_host) {
        stats.flows_closed++;
        sink.flow_closed(id, reason);
      }
      return;
    }
    timers.schedule(conn, conn.deadline(cfg));
  }

  void on_network_packet(std::span<const uint8_t> packet, Time now, wire::ChecksumPolicy policy) {
    stats.packets_received++;
    auto parsed = wire::parse_packet(packet, policy);
    if (!parsed) {
      if (parsed.error() == DropReason::kNotTcp) {
        if (auto mtu = wire::packet_too_big_mtu(packet)) {
          stats.drops.count(DropReason::kIcmpTooBig);
          if (*mtu != 0) stats.path_mtu_reported = *mtu;
          return;
        }
      }
      stats.drops.count(parsed.error());
      return;
    }
    const wire::Segment& seg = *parsed;
    if (Connection* conn = table.find(seg.receiver_tuple())) {
      conn->on_segment(*this, seg, now);
      settle(*conn);
      return;
    }
    const bool plain_syn = seg.has(flag::kSyn) && !seg.has(flag::kAck);
    if (cfg.role == Role::kServer && plain_syn) {
      accept_syn(seg, now);
      return;
    }
    stats.drops.count(DropReason::kNoConnection);
    reply_rst(seg, now);
  }

  void accept_syn(const wire::Segment& syn, Time now) {
    if (std::find(cfg.listen_ports.begin(), cfg.listen_ports.end(), syn.dst_port) == cfg.listen_ports.end()) {
      stats.drops.count(DropReason::kNotListening);
      reply_rst(syn, now);
      return;
    }
    if (table.half_open() >= cfg.max_half_open) {
      stats.drops.count(DropReason::kHalfOpenLimit);
      return;
    }
    if (table.size() >= cfg.max_flows) {
      stats.drops.count(DropReason::kFlowLimit);
      return;
    }
    const uint32_t iss = cfg.randomize_server_isn ? rng.next_u32() : 0;
    // A Phantasm client coming back on a new connection: same flow, same UDP socket.
    if (syn.options.phantasm && syn.options.phantasm->session != 0 && cfg.compat != Compat::kPhantun) {
      if (Connection* returning = table.find_session(syn.options.phantasm->session)) {
        table.retuple(*returning, syn.receiver_tuple());
        returning->reattach(*this, syn.receiver_tuple(), syn, iss, now);
        settle(*returning);
        return;
      }
    }
    auto& conn =
        table.insert(std::make_unique<Connection>(table.next_id(), syn.receiver_tuple(), syn, iss, cfg, now));
    conn.start(*this, now);
    settle(conn);
  }

  // Phantun answers segments for unknown tuples with RST+ACK; never a RST to a RST.
  void reply_rst(const wire::Segment& seg, Time now) {
    if (seg.has(flag::kRst)) return;
    if (!cfg.rst_unknown || !rst_limiter.allow(now, cfg.rst_unknown_per_second)) {
      stats.unknown_rsts_suppressed++;
      return;
    }
    auto packet = wire::emit_bare(scratch_buffer, wire::phantun::rst_for(seg, seg.has(flag::kSyn)));
    if (packet) {
      stats.resets_sent++;
      transmit(*packet);
    }
  }

  bool admit_datagram(const DatagramBuffer& d) {
    stats.datagrams_received++;
    if (d.length == 0) {
      stats.drops.count(DropReason::kEmptyDatagram);
      return false;
    }
    if (d.length > cfg.max_datagram) {
      stats.drops.count(DropReason::kDatagramTooLarge);
      return false;
    }
    if (d.offset < wire::kHeadroom || d.offset + d.length > d.storage.size()) {
      stats.drops.count(DropReason::kNoHeadroom);
      return false;
    }
    return true;
  }

  void on_udp_datagram(const SocketAddress& from, DatagramBuffer d, Time now) {
    if (!admit_datagram(d)) return;
    Connection* conn = table.find_peer(from);
    if (!conn) {
      if (cfg.role != Role::kClient) {
        stats.drops.count(DropReason::kFlowClosed);
        return;
      }
      conn = connect(from, now);
      if (!conn) return;
    }
    conn->on_datagram(*this, d, now);
    settle(*conn);
  }

  void on_udp_datagram(FlowId id, DatagramBuffer d, Time now) {
    if (!admit_datagram(d)) return;
    Connection* conn = table.get(id);
    if (!conn) {
      stats.drops.count(DropReason::kFlowClosed);
      return;
    }
    conn->on_datagram(*this, d, now);
    settle(*conn);
  }

  Connection* connect(const SocketAddress& udp_peer, Time now) {
    if (table.size() >= cfg.max_flows) {
      stats.drops.count(DropReason::kFlowLimit);
      return nullptr;
    }
    if (table.half_open() >= cfg.max_half_open) {
      stats.drops.count(DropReason::kHalfOpenLimit);
      return nullptr;
    }
    auto tuple = client_tuple();
    if (!tuple) {
      stats.drops.count(DropReason::kPortsExhausted);
      return nullptr;
    }
    // The session names this flow across re-handshakes (48 bits, never 0).
    const uint64_t session = (rng.next_u64() & wire::kSessionMask) | 1;
    auto& conn = table.insert(std::make_unique<Connection>(table.next_id(), *tuple, udp_peer, session, now));
    open_to_host(conn);
    conn.start(*this, now);
    return &conn;
  }

  void on_timer(Time now) {
    TimerQueue::Entry e;
    while (timers.pop_due(now, e)) {
      Connection* conn = table.get(e.flow);
      if (!conn || conn->queued_deadline != e.at) continue;  // stale entry
      conn->queued_deadline = Time::never();
      conn->on_timer(*this, now);
      // A timer may make something due at once (an immediate reconnect): run it again, a few
      // times at most. A deadline that stays in the past is a bug in a connection's timer
      // logic; re-queued as it is, it would keep this loop (and the host's thread) spinning.
      bool stalled = false;
      for (int pass = 1; !conn->closed() && conn->deadline(cfg) <= now; ++pass) {
        if (pass == 8) {
          stalled = true;
          break;
        }
        conn->on_timer(*this, now);
      }
      if (stalled) {
        stats.timer_stalls++;
        table.sync_half_open(*conn);
        timers.schedule(*conn, now + std::chrono::milliseconds(1));
        continue;
      }
      settle(*conn);
    }
  }

  void close_flow(FlowId id) {
    if (Connection* conn = table.get(id)) {
      conn->close(*this, CloseReason::kLocalClose);
      settle(*conn);
    }
  }

  EngineConfig cfg;
  Rng rng;
  EngineSink& sink;
  std::vector<uint8_t> scratch_buffer;
  FlowTable table;
  TimerQueue timers;
  RateLimiter rst_limiter;
  EndpointCounters stats;
};

Endpoint::Endpoint(EngineConfig config, uint64_t seed, EngineSink& sink)
    : impl_(std::make_unique<Impl>(std::move(config), seed, sink)) {
  assert(!validate(impl_->cfg));
}

Endpoint::~Endpoint() = default;

void Endpoint::on_network_packet(std::span<const uint8_t> packet, Time now, wire::ChecksumPolicy policy) {
  impl_->on_network_packet(packet, now, policy);
}
void Endpoint::on_udp_datagram(const SocketAddress& from, DatagramBuffer datagram, Time now) {
  impl_->on_udp_datagram(from, datagram, now);
}
void Endpoint::on_udp_datagram(FlowId flow, DatagramBuffer datagram, Time now) {
  impl_->on_udp_datagram(flow, datagram, now);
}
void Endpoint::on_timer(Time now) { impl_->on_timer(now); }
Time Endpoint::next_deadline() const { return impl_->timers.earliest(); }

void Endpoint::close_all(Time now) {
  (void)now;
  std::vector<FlowId> ids;
  impl_->table.for_each([&](const Connection& c) { ids.push_back(c.id()); });
  for (FlowId id : ids) impl_->close_flow(id);
}
void Endpoint::close_flow(FlowId flow, Time now) {
  (void)now;
  impl_->close_flow(flow);
}

const EngineConfig& Endpoint::config() const { return impl_->cfg; }
const EndpointCounters& Endpoint::counters() const { return impl_->stats; }
size_t Endpoint::flow_count() const { return impl_->table.size(); }
size_t Endpoint::half_open_count() const { return impl_->table.half_open(); }

std::optional<FlowSnapshot> Endpoint::flow(FlowId id) const {
  if (const Connection* c = impl_->table.get(id)) return c->snapshot();
  return std::nullopt;
}

std::vector<FlowSnapshot> Endpoint::flows() const {
  std::vector<FlowSnapshot> out;
  impl_->table.for_each([&](const Connection& c) { out.push_back(c.snapshot()); });
  return out;
}

void Endpoint::set_remote(const SocketAddress& remote) {
  EngineConfig next = impl_->cfg;
  next.remote = remote;
  if (!validate(next)) impl_->cfg.remote = remote;
}

std::optional<FlowId> Endpoint::find_flow(const SocketAddress& udp_peer) const {
  if (const Connection* c = impl_->table.find_peer(udp_peer)) return c->id();
  return std::nullopt;
}

}  // namespace phantasm
