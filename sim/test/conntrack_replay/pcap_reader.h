// Reads classic pcap files (tcpdump -w, ns-3's pcaps) into IP packets: Ethernet, Linux cooked,
// raw IP and PPP link types; anything else in the file is skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace phantasm::sim::replay {

struct CapturedPacket {
  int64_t time_ns = 0;
  uint32_t wire_len = 0;       // of the IP packet as it was on the wire
  std::vector<uint8_t> bytes;  // the captured part of the IP packet (may be shorter)
};

// Throws std::runtime_error naming the file when it cannot be read as pcap.
std::vector<CapturedPacket> read_pcap(const std::string& path);

}  // namespace phantasm::sim::replay
