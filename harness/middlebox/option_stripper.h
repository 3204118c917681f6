// Removes TCP options by kind, overwriting each with NOPs so lengths and the data offset stay
// (what proxies, load balancers and nft `reset tcp option` do; middleboxes.md C.7, C.8).
// Which segments: the SYN, the SYN-ACK, or every segment.
#pragma once

#include <array>
#include <initializer_list>

#include "harness/middlebox/model.h"

namespace phantasm::middlebox {

struct StripSelection {
  bool syn = true;
  bool syn_ack = true;
  bool all_segments = false;
};

class OptionStripper : public Model {
 public:
  OptionStripper(std::initializer_list<uint8_t> kinds, StripSelection on = {});
  OptionStripper(std::span<const uint8_t> kinds, StripSelection on = {});

  void on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out) override;
  std::string_view name() const override { return "strip_options"; }

  uint64_t options_stripped() const { return options_stripped_; }

 private:
  std::array<bool, 256> strip_{};
  StripSelection on_;
  uint64_t options_stripped_ = 0;
};

}  // namespace phantasm::middlebox
