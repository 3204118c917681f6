// WindowScaleStripper: a middlebox that removes the Window Scale option from handshake
// segments by overwriting it with NOPs (middleboxes.md §C.7, §C.8), as some proxies and load
// balancers do. The segment keeps its length and data offset; the checksum is patched. With
// the option gone from either the SYN or the SYN-ACK, a conntrack box disables scaling in both
// directions and the usable window is 65535 bytes.
#pragma once

#include <cstdint>
#include <span>

#include "harness/memwire/middlebox.h"

namespace phantasm::memwire {

struct StripWindowScale {
  bool from_syn = true;      // the client's SYN
  bool from_syn_ack = true;  // the server's SYN-ACK
};

class WindowScaleStripper {
 public:
  explicit WindowScaleStripper(StripWindowScale which = {}) : which_(which) {}

  void operator()(Direction dir, std::span<const uint8_t> packet, const Emit& emit);

  uint64_t stripped() const { return stripped_; }

 private:
  StripWindowScale which_;
  uint64_t stripped_ = 0;
};

}  // namespace phantasm::memwire
