// MSS clamping as Linux's TCPMSS --set-mss does it (middleboxes.md C.6): on SYN and SYN-ACK, an
// MSS option above the limit is lowered to it; a SYN without one and without payload gets one
// inserted (the packet grows by 4 bytes) with min(limit, 536) for IPv4, min(limit, 1220) for IPv6, the
// RFC 879 defaults the kernel uses. The kernel path (the TCPMSS target) is preferred in
// netns; this model is for the simulation and for checking the engine against both forms.
#pragma once

#include "harness/middlebox/model.h"

namespace phantasm::middlebox {

class MssClamp : public Model {
 public:
  explicit MssClamp(uint16_t mss) : mss_(mss) {}

  void on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out) override;
  std::string_view name() const override { return "mss_clamp"; }

  uint64_t lowered() const { return lowered_; }
  uint64_t inserted() const { return inserted_; }

 private:
  uint16_t mss_;
  uint64_t lowered_ = 0;
  uint64_t inserted_ = 0;
};

}  // namespace phantasm::middlebox
