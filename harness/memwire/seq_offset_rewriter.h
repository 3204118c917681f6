// SeqOffsetRewriter: an ISN-randomising firewall (Cisco ASA/FTD "TCP sequence randomization",
// middleboxes.md §C.5). It adds a constant to the sequence number of every segment one side
// sends and subtracts the same constant from the acknowledgement number going the other way,
// so each end sees the other's numbers shifted and its own acknowledged correctly. Checksums
// are patched incrementally (RFC 1624). Only segments with the ACK flag have their ack field
// translated: in the others (SYN, Phantun's close RST) it is not a sequence number.
#pragma once

#include <cstdint>
#include <span>

#include "harness/memwire/middlebox.h"

namespace phantasm::memwire {

struct SeqOffsets {
  uint32_t client = 0;  // added to the client's sequence numbers
  uint32_t server = 0;  // added to the server's sequence numbers
};

class SeqOffsetRewriter {
 public:
  explicit SeqOffsetRewriter(SeqOffsets offsets) : offsets_(offsets) {}

  void operator()(Direction dir, std::span<const uint8_t> packet, const Emit& emit);

  uint64_t rewritten() const { return rewritten_; }
  uint64_t not_tcp() const { return not_tcp_; }

 private:
  SeqOffsets offsets_;
  uint64_t rewritten_ = 0;
  uint64_t not_tcp_ = 0;
};

}  // namespace phantasm::memwire
