// Simulation: a client Endpoint and a server Endpoint back to back on an in-memory wire, all in
// virtual time. The path is
//
//   client engine --client leg--> middlebox --server leg--> server engine     (and back)
//
// where each leg is one Link per direction (delay, jitter, loss, duplication, rate) and the
// middlebox sees every packet in between. The local UDP sides are simulated too: the client has
// numbered UDP peers (distinct addresses) whose datagrams enter the client engine, and the
// server side sees datagrams per FlowId and may answer on the same flow.
//
// Everything happens on one EventQueue; run_until() also fires each endpoint's on_timer at its
// next_deadline(). Same configuration and seed, same run, byte for byte.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "engine/endpoint/endpoint.h"
#include "harness/memwire/event_queue.h"
#include "harness/memwire/link.h"
#include "harness/memwire/middlebox.h"
#include "harness/memwire/trace.h"

namespace phantasm::memwire {

enum class Side : uint8_t { kClient, kServer };

// One leg of the path: a link in each direction.
struct LegConfig {
  LinkConfig to_server;
  LinkConfig to_client;
  static LegConfig symmetric(const LinkConfig& both) { return {both, both}; }
};

inline constexpr uint16_t kServerPort = 4567;

// The addresses the simulation uses: Phantun's client TUN peer address, and a server that the
// client reaches directly (no NAT in between unless a middlebox adds one).
EngineConfig default_client_config();
EngineConfig default_server_config();

struct SimulationConfig {
  EngineConfig client = default_client_config();
  EngineConfig server = default_server_config();
  uint64_t seed = 1;  // engines and links derive their own seeds from it
  LegConfig client_leg = LegConfig::symmetric({.delay = std::chrono::microseconds(250)});
  LegConfig server_leg = LegConfig::symmetric({.delay = std::chrono::microseconds(250)});
  Middlebox middlebox{};      // empty: pass everything
  size_t trace_limit = 256;   // how many packets trace() keeps (the first ones)
};

struct FlowEvent {
  Time at;
  Side side;
  FlowId flow;
  bool opened;        // false: closed
  CloseReason reason; // when closed
  FlowInfo info;      // when opened
};

// Counts of the simulated UDP applications, per side.
struct AppCounts {
  uint64_t sent = 0;       // datagrams the application handed to its engine
  uint64_t delivered = 0;  // datagrams its engine delivered to it
  uint64_t bytes_delivered = 0;
};

class Simulation {
 public:
  explicit Simulation(SimulationConfig config);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  Time now() const { return now_; }

  // Runs every event and timer up to and including `until`; now() is `until` afterwards.
  void run_until(Time until);
  // run_until(now() + d).
  void run_for(Duration d) { run_until(now_ + d); }

  // Schedules any action at `at` (>= now()).
  void schedule(Time at, EventQueue::Action action);

  // The address of client UDP peer `index` (127.0.0.1, port 20000 + index).
  static SocketAddress client_peer(size_t index);

  // The client UDP peer `peer` sends a datagram into the client engine at now(). Safe to call
  // from observers: the datagram enters the engine as a separate event.
  void client_send(size_t peer, std::span<const uint8_t> payload);
  // The server-side application answers on `flow` (into the server engine) at now().
  void server_send(FlowId flow, std::span<const uint8_t> payload);

  // Observers. They run inside the engines' callbacks: to react, use client_send/server_send or
  // schedule(), never the endpoints directly.
  std::function<void(size_t peer, std::span<const uint8_t> payload)> on_client_datagram;
  std::function<void(FlowId flow, std::span<const uint8_t> payload)> on_server_datagram;
  // Every packet arriving at an endpoint, just before the endpoint sees it.
  std::function<void(Direction dir, std::span<const uint8_t> packet)> on_arrival;

  Endpoint& client() { return *client_; }
  Endpoint& server() { return *server_; }
  const Endpoint& client() const { return *client_; }
  const Endpoint& server() const { return *server_; }
  Endpoint& endpoint(Side s) { return s == Side::kClient ? *client_ : *server_; }

  const Link& link(Side leg, Direction dir) const;
  const std::vector<TracedPacket>& trace() const { return trace_; }
  const std::vector<FlowEvent>& flow_events() const { return flow_events_; }
  const AppCounts& app(Side s) const { return app_[static_cast<size_t>(s)]; }
  // Packets each endpoint put on the wire, and packets that reached each endpoint.
  uint64_t packets_sent(Direction dir) const { return wire_sent_[index(dir)]; }
  uint64_t packets_arrived(Direction dir) const { return wire_arrived_[index(dir)]; }
  // The client peer a client flow serves, if the flow was opened.
  std::optional<size_t> peer_of(FlowId flow) const;
  // Times a timer deadline did not move forward after on_timer: an engine bug. The run stops
  // firing that endpoint's timer at the stuck instant and carries on.
  uint64_t timer_stalls() const { return timer_stalls_; }

 private:
  class Sink;

  void packet_sent(Side from, std::span<const uint8_t> packet);
  void at_middlebox(Direction dir, std::vector<uint8_t> packet);
  void onto_far_leg(Direction dir, std::span<const uint8_t> packet);
  void arrive(Direction dir, const std::vector<uint8_t>& packet);
  void put_on_link(Link& link, std::vector<uint8_t> packet, std::function<void(std::vector<uint8_t>)> on_arrival);
  void datagram_delivered(Side side, FlowId flow, std::span<const uint8_t> payload);
  void flow_event(FlowEvent e);
  bool fire_timer(Endpoint& e, Time at);

  SimulationConfig config_;
  Time now_ = Time::zero();
  EventQueue queue_;
  std::unique_ptr<Sink> client_sink_;
  std::unique_ptr<Sink> server_sink_;
  std::unique_ptr<Endpoint> client_;
  std::unique_ptr<Endpoint> server_;
  // [leg][direction]: leg 0 is the client leg, 1 the server leg.
  std::array<std::array<std::unique_ptr<Link>, 2>, 2> links_;
  std::vector<TracedPacket> trace_;
  std::vector<FlowEvent> flow_events_;
  std::array<AppCounts, 2> app_{};
  std::array<uint64_t, 2> wire_sent_{};
  std::array<uint64_t, 2> wire_arrived_{};
  std::map<uint64_t, size_t> client_flow_peer_;  // FlowId key -> peer index
  uint64_t timer_stalls_ = 0;
};

}  // namespace phantasm::memwire
