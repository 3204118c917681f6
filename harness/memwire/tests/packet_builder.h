// Test helper: builds well-formed IPv4/IPv6 TCP packets with the engine's codec, for feeding
// middleboxes and the link without running an engine.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/wire/packet.h"
#include "engine/wire/tcp.h"

namespace phantasm::memwire::testing {

namespace flag = wire::tcp::flag;

inline const SocketAddress kClientAddr{IpAddress::v4({192, 168, 200, 2}), 40000};
inline const SocketAddress kServerAddr{IpAddress::v4({192, 168, 201, 2}), 4567};

struct SegmentSpec {
  bool from_client = true;
  uint8_t flags = flag::kAck;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t window = 0xFFFF;
  std::optional<uint8_t> window_scale{};
  size_t payload_len = 0;
  uint8_t payload_byte = 0xAB;
  bool ipv6 = false;
};

inline std::vector<uint8_t> build_packet(const SegmentSpec& s) {
  wire::SegmentHeader h;
  SocketAddress src = s.from_client ? kClientAddr : kServerAddr;
  SocketAddress dst = s.from_client ? kServerAddr : kClientAddr;
  if (s.ipv6) {
    src.ip = *IpAddress::parse(s.from_client ? "fcc8::2" : "fcc9::2");
    dst.ip = *IpAddress::parse(s.from_client ? "fcc9::2" : "fcc8::2");
  }
  h.src = src.ip;
  h.dst = dst.ip;
  h.src_port = src.port;
  h.dst_port = dst.port;
  h.seq = s.seq;
  h.ack = s.ack;
  h.flags = s.flags;
  h.window = s.window;
  h.window_scale = s.window_scale;
  std::vector<uint8_t> buffer(wire::kHeadroom + s.payload_len, s.payload_byte);
  auto packet = wire::emit_in_front(buffer, wire::kHeadroom, s.payload_len, h);
  if (!packet) return {};
  return std::vector<uint8_t>(packet->begin(), packet->end());
}

// Runs a middlebox on one packet and returns what it emitted.
template <typename Box>
std::vector<std::vector<uint8_t>> run_box(Box& box, Direction dir, const std::vector<uint8_t>& packet) {
  std::vector<std::vector<uint8_t>> out;
  const Emit emit(Time::zero(), [&](std::span<const uint8_t> p, Duration) { out.emplace_back(p.begin(), p.end()); });
  box(dir, packet, emit);
  return out;
}

}  // namespace phantasm::memwire::testing
