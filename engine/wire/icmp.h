// ICMP "fragmentation needed" (IPv4 type 3 code 4) and ICMPv6 "packet too big" (type 2) that
// reach the tunnel: the path told us its MTU, and the operator should hear of it rather than
// see the packet counted as not-tcp. Only messages about a TCP packet count, with every length
// and checksum verified: anyone can send ICMP, so it is information, never an action.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace phantasm::wire {

// The MTU the message reports (0 when an old IPv4 router left the field empty), or nothing when
// the packet is not a well-formed too-big message about a TCP packet.
std::optional<uint32_t> packet_too_big_mtu(std::span<const uint8_t> packet);

}  // namespace phantasm::wire
