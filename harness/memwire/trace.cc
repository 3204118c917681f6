#include "harness/memwire/trace.h"

#include <cstdio>

#include "engine/wire/packet.h"

namespace phantasm::memwire {

TracedPacket trace_packet(Time at, Direction dir, std::span<const uint8_t> packet) {
  TracedPacket t;
  t.at = at;
  t.dir = dir;
  t.size = packet.size();
  // The trace shows what is on the wire even when a middlebox broke the checksum.
  const auto seg = wire::parse_packet(packet, wire::ChecksumPolicy::kTrust);
  if (!seg) return t;
  t.parsed = true;
  t.tuple = {{seg->src, seg->src_port}, {seg->dst, seg->dst_port}};
  t.flags = seg->flags;
  t.seq = seg->seq;
  t.ack = seg->ack;
  t.window = seg->window;
  t.window_scale = seg->options.window_scale;
  t.phantasm_hello = seg->options.phantasm.has_value();
  t.payload_len = seg->payload.size();
  return t;
}

std::string tcp_flags_string(uint8_t flags) {
  namespace flag = wire::tcp::flag;
  std::string s;
  if (flags & flag::kSyn) s += 'S';
  if (flags & flag::kFin) s += 'F';
  if (flags & flag::kRst) s += 'R';
  if (flags & flag::kPsh) s += 'P';
  if (flags & flag::kUrg) s += 'U';
  if (flags & flag::kEce) s += 'E';
  if (flags & flag::kCwr) s += 'W';
  if (flags & flag::kAck) s += '.';
  return s.empty() ? "none" : s;
}

std::string format(const TracedPacket& p) {
  char time[32];
  std::snprintf(time, sizeof time, "%11.6f", static_cast<double>(p.at.ns()) / 1e9);
  std::string line = std::string(time) + " " + std::string(to_string(p.dir)) + " ";
  if (!p.parsed) return line + "(not TCP/IP, " + std::to_string(p.size) + " bytes)";
  char fields[160];
  std::snprintf(fields, sizeof fields, "%-4s seq %u ack %u win %u len %zu", tcp_flags_string(p.flags).c_str(), p.seq,
                p.ack, unsigned{p.window}, p.payload_len);
  line += p.tuple.local.to_string() + " > " + p.tuple.remote.to_string() + " " + fields;
  std::string options;
  if (p.window_scale) options = std::string("wscale ").append(std::to_string(*p.window_scale));
  if (p.phantasm_hello) options += std::string(options.empty() ? "" : ", ") + "phantasm hello";
  if (!options.empty()) line += " [" + options + "]";
  return line;
}

}  // namespace phantasm::memwire
