// Hand-built IPv4/IPv6 TCP segments for the model tests and the conntrack replay's mutations:
// a segment is described by its fields and comes out as a packet with correct checksums.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/wire/ip_address.h"

namespace phantasm::sim::test {

struct SegmentSpec {
  IpAddress src = IpAddress::v4({10, 0, 0, 1});
  IpAddress dst = IpAddress::v4({10, 0, 1, 2});
  uint16_t sport = 40000;
  uint16_t dport = 4567;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  uint16_t window = 65535;
  std::vector<uint8_t> options;  // padded with NOPs to whole words
  size_t payload = 0;            // bytes of 0xAB
};

std::vector<uint8_t> build_segment(const SegmentSpec& s);

// Options: MSS, window scale, SACK permitted.
std::vector<uint8_t> opt_mss(uint16_t mss);
std::vector<uint8_t> opt_wscale(uint8_t shift);
std::vector<uint8_t> opt_sack_perm();
std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts);

}  // namespace phantasm::sim::test
