// A replay trace: the packets a conntrack sees, in order, each marked with the side it arrives
// from (client or server). Built from a capture (payloads padded back to their IP length,
// checksums recomputed) and optionally mutated with a seed, so that the trace holds what a
// clean conversation never does: losses, duplicates, reordering, bad checksums, impossible
// flags, out-of-window numbers, spoofed RSTs and SYNs, stripped window scaling.
//
// Both the kernel replay (kernel_replay.py) and the model replay read the same trace; what each
// observes after every packet is an Observation, and the two lists are compared line by line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/wire/ip_address.h"
#include "sim/model/tcp_conntrack.h"
#include "sim/test/conntrack_replay/pcap_reader.h"

namespace phantasm::sim::replay {

struct ReplayPacket {
  char side = 'c';  // 'c': from the client side, 's': from the server side
  std::vector<uint8_t> bytes;
  std::string note;  // the mutation that made or changed it ("" for a captured packet)
};

struct ReplayTrace {
  IpVersion family = IpVersion::kV4;
  std::vector<IpAddress> client_addresses;
  std::vector<IpAddress> server_addresses;
  std::vector<ReplayPacket> packets;
};

// Packets to `server_port` come from the client side, the rest from the server side.
ReplayTrace trace_from_capture(const std::vector<CapturedPacket>& captured, uint16_t server_port = 4567);

// The seeded mutations described above. Seeds 1, 4, 7... also strip window scaling from every
// SYN-ACK and lose most pure ACKs, which pushes senders past the (now 64 KiB) windows; seeds 2,
// 5, 8... start a quarter into the capture, as if the box came up mid-conversation.
ReplayTrace mutate(const ReplayTrace& base, uint64_t seed);

// One line per packet: JSON Lines with a header line, read by kernel_replay.py.
void write_trace(const ReplayTrace& t, const std::string& path);

// FNV-1a of a packet: observation files name the packet they describe, so a trace that changed
// since the observations were recorded is noticed.
uint32_t fingerprint(const std::vector<uint8_t>& bytes);

// What is observable of conntrack after one packet: whether it counted the packet INVALID, and
// the entry holding the packet's tuple: state, seconds left on its timer, ASSURED.
struct Observation {
  uint32_t fingerprint = 0;
  bool invalid = false;
  bool has_entry = false;
  std::string state;
  int64_t timeout = 0;
  bool assured = false;
};

// Before every packet the replays set every entry's timer to this (conntrack -U -t), so an
// entry whose timer a packet did not refresh is told apart from one it did.
inline constexpr int64_t kSentinelSeconds = 77777;

std::vector<Observation> model_replay(const ReplayTrace& t, const TcpCtSettings& settings);

// Text form, one line per packet: "index fingerprint I|- state|- timeout|- A|-".
void write_observations(const std::vector<Observation>& obs, const std::string& path);
std::vector<Observation> read_observations(const std::string& path);

// Equal in every field, timers within a second (the kernel's clock moves during the replay).
bool same(const Observation& a, const Observation& b);
std::string describe(const Observation& o);

}  // namespace phantasm::sim::replay
