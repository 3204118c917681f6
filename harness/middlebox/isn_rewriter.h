// An ISN-randomising firewall (Cisco ASA/FTD "TCP sequence randomization", middleboxes.md C.5):
// a constant is added to the sequence numbers each side sends and taken off the
// acknowledgements coming back, so each end sees the other's numbers shifted and its own
// acknowledged correctly. Only segments with ACK have their ack translated (in a SYN or a bare
// RST it is not a sequence number). Offsets are fixed per box, drawn from the seed when unset.
#pragma once

#include <optional>

#include "engine/core/rng.h"
#include "harness/middlebox/model.h"

namespace phantasm::middlebox {

class IsnRewriter : public Model {
 public:
  IsnRewriter(std::optional<uint32_t> client_offset, std::optional<uint32_t> server_offset, uint64_t seed);

  void on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out) override;
  std::string_view name() const override { return "isn_rewrite"; }

  uint32_t client_offset() const { return client_offset_; }
  uint32_t server_offset() const { return server_offset_; }

 private:
  uint32_t client_offset_;
  uint32_t server_offset_;
};

}  // namespace phantasm::middlebox
