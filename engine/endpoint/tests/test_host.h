// A recording host for endpoint tests: keeps copies of everything the engine emits and drives
// two endpoints by hand, so each test states exactly which packet goes where.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/endpoint/endpoint.h"
#include "engine/wire/packet.h"
#include "engine/wire/phantun_segments.h"

namespace phantasm::test {

using namespace std::chrono_literals;

struct Event {
  enum Kind { kOpened, kClosed } kind;
  FlowId flow;
  FlowInfo info;
  CloseReason reason = CloseReason::kIdle;
};

struct Delivery {
  FlowId flow;
  std::vector<uint8_t> payload;
};

class RecordingSink : public EngineSink {
 public:
  void send_packet(std::span<const uint8_t> packet) override { packets.emplace_back(packet.begin(), packet.end()); }
  void deliver_datagram(FlowId flow, std::span<const uint8_t> payload) override {
    deliveries.push_back({flow, {payload.begin(), payload.end()}});
  }
  void flow_opened(FlowId flow, const FlowInfo& info) override { events.push_back({Event::kOpened, flow, info}); }
  void flow_closed(FlowId flow, CloseReason reason) override {
    events.push_back({Event::kClosed, flow, {}, reason});
  }

  // Parses packet i (which must be valid).
  wire::Segment segment(size_t i) const {
    auto s = wire::parse_packet(packets.at(i));
    EXPECT_TRUE(s.ok()) << "packet " << i << " does not parse";
    return s.ok() ? *s : wire::Segment{};
  }
  wire::Segment last() const { return segment(packets.size() - 1); }
  std::vector<std::vector<uint8_t>> take() { return std::exchange(packets, {}); }

  std::vector<std::vector<uint8_t>> packets;
  std::vector<Delivery> deliveries;
  std::vector<Event> events;
};

inline const SocketAddress kServerAddr = *SocketAddress::parse("10.0.0.2:4567");
inline const SocketAddress kAppA = *SocketAddress::parse("127.0.0.1:5000");
inline const SocketAddress kAppB = *SocketAddress::parse("127.0.0.1:5001");

inline EngineConfig client_config() {
  EngineConfig c;
  c.role = Role::kClient;
  c.remote = kServerAddr;
  return c;
}

inline EngineConfig server_config() {
  EngineConfig c;
  c.role = Role::kServer;
  c.listen_ports = {4567};
  return c;
}

// A datagram in a buffer with headroom, as a host would receive it.
class Datagram {
 public:
  explicit Datagram(std::vector<uint8_t> payload) : storage_(wire::kHeadroom + payload.size()) {
    std::copy(payload.begin(), payload.end(), storage_.begin() + wire::kHeadroom);
    length_ = payload.size();
  }
  explicit Datagram(const std::string& text) : Datagram(std::vector<uint8_t>(text.begin(), text.end())) {}
  DatagramBuffer buffer() { return {storage_, wire::kHeadroom, length_}; }

 private:
  std::vector<uint8_t> storage_;
  size_t length_;
};

inline Time at(Duration d) { return Time{d}; }

// prefix + number, built with append: g++ 12 -O3 warns falsely (-Wrestrict) on "lit" + string.
inline std::string numbered(std::string prefix, uint64_t n) { return prefix.append(std::to_string(n)); }

inline std::string text(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }

// Client and server endpoints connected by hand: `pump` moves every pending packet across.
struct Pair {
  EngineConfig ccfg = client_config();
  EngineConfig scfg = server_config();
  RecordingSink csink, ssink;
  std::unique_ptr<Endpoint> client, server;
  Time now = at(0s);

  explicit Pair(bool random_server_isn = false) {
    scfg.randomize_server_isn = random_server_isn;
    build();
  }
  void build() {
    client = std::make_unique<Endpoint>(ccfg, 1, csink);
    server = std::make_unique<Endpoint>(scfg, 2, ssink);
  }
  // Delivers all queued packets both ways until nothing moves.
  void pump() {
    for (int rounds = 0; rounds < 100; ++rounds) {
      auto to_server = csink.take();
      auto to_client = ssink.take();
      if (to_server.empty() && to_client.empty()) return;
      for (auto& p : to_server) server->on_network_packet(p, now);
      for (auto& p : to_client) client->on_network_packet(p, now);
    }
    FAIL() << "packets still moving after 100 rounds";
  }
  void send_from_app(const SocketAddress& app, const std::string& payload) {
    Datagram d(payload);
    client->on_udp_datagram(app, d.buffer(), now);
  }
  FlowId server_flow() const {
    for (auto& e : ssink.events) {
      if (e.kind == Event::kOpened) return e.flow;
    }
    return {};
  }
};

}  // namespace phantasm::test
