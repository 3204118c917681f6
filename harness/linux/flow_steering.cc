#include "harness/linux/flow_steering.h"

#include <algorithm>

namespace phantasm::linux_host {
namespace {

constexpr uint8_t kTcp = 6;

uint16_t load_be16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

}  // namespace

std::optional<TcpPeek> peek_tcp(std::span<const uint8_t> packet) {
  if (packet.empty()) return std::nullopt;
  size_t l4 = 0;
  std::span<const uint8_t> src;
  switch (packet[0] >> 4) {
    case 4: {
      if (packet.size() < 20 || packet[9] != kTcp) return std::nullopt;
      l4 = static_cast<size_t>(packet[0] & 0x0F) * 4;
      if (l4 < 20) return std::nullopt;
      src = packet.subspan(12, 4);
      break;
    }
    case 6: {
      if (packet.size() < 40 || packet[6] != kTcp) return std::nullopt;
      l4 = 40;
      src = packet.subspan(8, 16);
      break;
    }
    default:
      return std::nullopt;
  }
  if (packet.size() < l4 + 4) return std::nullopt;
  return TcpPeek{src, load_be16(packet, l4), load_be16(packet, l4 + 2)};
}

FlowSteering FlowSteering::client(size_t workers, uint16_t port_min, uint16_t port_max) {
  FlowSteering s;
  s.kind_ = workers > 1 ? Kind::kClient : Kind::kSingle;
  s.workers_ = workers;
  s.port_min_ = port_min;
  s.port_max_ = port_max;
  return s;
}

FlowSteering FlowSteering::server(size_t workers) {
  FlowSteering s;
  s.kind_ = workers > 1 ? Kind::kServer : Kind::kSingle;
  s.workers_ = workers;
  return s;
}

std::pair<uint16_t, uint16_t> FlowSteering::client_ports(size_t worker) const {
  if (kind_ != Kind::kClient) return {port_min_, port_max_};
  const size_t span = (static_cast<size_t>(port_max_) - port_min_ + 1) / workers_;
  const size_t first = port_min_ + worker * span;
  const size_t last = worker + 1 == workers_ ? port_max_ : first + span - 1;
  return {static_cast<uint16_t>(first), static_cast<uint16_t>(last)};
}

size_t FlowSteering::owner(std::span<const uint8_t> packet, size_t reader) const {
  if (kind_ == Kind::kSingle) return reader;
  auto peek = peek_tcp(packet);
  if (!peek) return reader;
  if (kind_ == Kind::kClient) {
    if (peek->dst_port < port_min_ || peek->dst_port > port_max_) return reader;
    const size_t span = (static_cast<size_t>(port_max_) - port_min_ + 1) / workers_;
    return std::min((peek->dst_port - port_min_) / span, workers_ - 1);
  }
  // FNV-1a over the source address only, not its port: a Phantasm client that comes back after
  // a dead path does so from a new port, and its session must reach the worker that holds it
  // (the server re-attaches the flow and keeps its UDP socket). Flows from one address share a
  // worker.
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](uint8_t byte) {
    h ^= byte;
    h *= 1099511628211ull;
  };
  for (uint8_t byte : peek->src_ip) mix(byte);
  // FNV's low bits are weak (its lowest bit is just the parity of the input's lowest bits):
  // finish with a multiply-xorshift so that `% workers` sees well-mixed bits.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return static_cast<size_t>(h % workers_);
}

}  // namespace phantasm::linux_host
