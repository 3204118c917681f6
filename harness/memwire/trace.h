// A readable record of packets on the in-memory wire: what each endpoint put on the wire,
// decoded to the fields a network engineer reads in tcpdump (flags, seq, ack, window, length).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "engine/core/time.h"
#include "engine/wire/ip_address.h"
#include "harness/memwire/middlebox.h"

namespace phantasm::memwire {

struct TracedPacket {
  Time at;
  Direction dir = Direction::kClientToServer;
  bool parsed = false;  // false: the fields below are unset (not a valid IP/TCP packet)
  FourTuple tuple;      // sender's view: local is the sender
  uint8_t flags = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t window = 0;
  std::optional<uint8_t> window_scale;
  bool phantasm_hello = false;  // the option by which two Phantasm ends recognise each other
  size_t payload_len = 0;
  size_t size = 0;  // the whole IP packet
};

TracedPacket trace_packet(Time at, Direction dir, std::span<const uint8_t> packet);

// tcpdump's flag letters: S (SYN), F (FIN), R (RST), P (PSH), . (ACK), U (URG), E, W.
std::string tcp_flags_string(uint8_t flags);

// One line: "   1.000123 c->s 192.168.200.2:40000 > 192.168.201.2:4567 S  seq 0 ack 0 win 65535 len 0 [wscale 14]"
std::string format(const TracedPacket& p);

}  // namespace phantasm::memwire
