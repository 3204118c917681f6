// Packets for the model tests, built with the engine's own emitter (so checksums are right)
// and read back with its checked parser (so a model's checksum patch is verified too).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/wire/packet.h"
#include "engine/wire/tcp.h"
#include "harness/middlebox/model.h"

namespace phantasm::middlebox::test {

inline const SocketAddress kClient{IpAddress::v4({10, 0, 1, 2}), 40000};
inline const SocketAddress kServer{IpAddress::v4({10, 0, 2, 2}), 4567};

struct Spec {
  SocketAddress from = kClient;
  SocketAddress to = kServer;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = wire::tcp::flag::kAck;
  std::string payload;
  std::optional<uint8_t> window_scale;
};

inline std::vector<uint8_t> packet(const Spec& s) {
  std::vector<uint8_t> buffer(wire::kHeadroom + s.payload.size());
  std::copy(s.payload.begin(), s.payload.end(), buffer.begin() + wire::kHeadroom);
  wire::SegmentHeader h;
  h.src = s.from.ip;
  h.dst = s.to.ip;
  h.src_port = s.from.port;
  h.dst_port = s.to.port;
  h.seq = s.seq;
  h.ack = s.ack;
  h.flags = s.flags;
  h.window_scale = s.window_scale;
  const auto out = wire::emit_in_front(buffer, wire::kHeadroom, s.payload.size(), h);
  return {out.value().begin(), out.value().end()};
}

inline std::vector<uint8_t> syn(uint32_t seq = 0) {
  return packet({.seq = seq, .flags = wire::tcp::flag::kSyn, .window_scale = 14});
}
inline std::vector<uint8_t> syn_ack(uint32_t seq, uint32_t ack) {
  return packet({.from = kServer, .to = kClient, .seq = seq, .ack = ack,
                 .flags = wire::tcp::flag::kSyn | wire::tcp::flag::kAck, .window_scale = 14});
}
inline std::vector<uint8_t> data(uint32_t seq, uint32_t ack, std::string payload, bool from_client = true) {
  Spec s{.seq = seq, .ack = ack, .payload = std::move(payload)};
  if (!from_client) std::swap(s.from, s.to);
  return packet(s);
}

// Parses with checksum verification; fails the test if the packet is not valid.
inline wire::Segment parsed(const std::vector<uint8_t>& bytes) {
  auto r = wire::parse_packet(bytes);
  if (!r) throw std::runtime_error("model output does not parse (bad checksum or length)");
  return r.value();
}

inline Outputs run(Model& m, Direction d, const std::vector<uint8_t>& p, Time now = Time::zero()) {
  Outputs out;
  m.on_packet(d, p, now, out);
  return out;
}

constexpr Direction kUp = Direction::kClientToServer;
constexpr Direction kDown = Direction::kServerToClient;

}  // namespace phantasm::middlebox::test
