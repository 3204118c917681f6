#include "harness/memwire/window_scale_stripper.h"

#include <gtest/gtest.h>

#include "harness/memwire/tcp_rewrite.h"
#include "harness/memwire/tests/packet_builder.h"

namespace phantasm::memwire {
namespace {

using testing::build_packet;
namespace flag = testing::flag;
using testing::run_box;

std::vector<uint8_t> syn() { return build_packet({.flags = flag::kSyn, .window_scale = 14}); }
std::vector<uint8_t> syn_ack() {
  return build_packet({.from_client = false, .flags = flag::kSyn | flag::kAck, .ack = 1, .window_scale = 14});
}

// The option bytes of the single TCP header in `packet`.
std::vector<uint8_t> options_of(const std::vector<uint8_t>& packet) {
  const auto seg = tcp_segment_of(std::span<const uint8_t>(packet));
  return std::vector<uint8_t>(seg->begin() + 20, seg->begin() + static_cast<long>(wire::tcp::View(*seg).header_len()));
}

TEST(WindowScaleStripper, ReplacesTheOptionWithNopsAndKeepsTheChecksumValid) {
  WindowScaleStripper box;
  for (const auto& packet : {syn(), syn_ack()}) {
    EXPECT_EQ(options_of(packet), (std::vector<uint8_t>{0x01, 0x03, 0x03, 0x0E}));
    const auto out = run_box(box, Direction::kClientToServer, packet);
    ASSERT_EQ(out.size(), 1u);
    ASSERT_EQ(out[0].size(), packet.size());
    EXPECT_EQ(options_of(out[0]), (std::vector<uint8_t>{0x01, 0x01, 0x01, 0x01}));
    const auto seg = wire::parse_packet(out[0]);
    ASSERT_TRUE(seg) << to_string(seg.error());
    EXPECT_FALSE(seg->options.window_scale);
  }
  EXPECT_EQ(box.stripped(), 2u);
}

TEST(WindowScaleStripper, StripsOnlyTheSegmentsItWasAskedTo) {
  WindowScaleStripper only_syn_ack({.from_syn = false, .from_syn_ack = true});
  EXPECT_EQ(run_box(only_syn_ack, Direction::kClientToServer, syn()).at(0), syn());
  EXPECT_NE(run_box(only_syn_ack, Direction::kServerToClient, syn_ack()).at(0), syn_ack());
  EXPECT_EQ(only_syn_ack.stripped(), 1u);
}

TEST(WindowScaleStripper, LeavesDataSegmentsAlone) {
  WindowScaleStripper box;
  const auto data = build_packet({.seq = 1, .ack = 1, .payload_len = 20, .payload_byte = 3});
  EXPECT_EQ(run_box(box, Direction::kClientToServer, data).at(0), data);
  EXPECT_EQ(box.stripped(), 0u);
}

TEST(WindowScaleStripper, WorksOnIpv6) {
  WindowScaleStripper box;
  const auto packet = build_packet({.flags = flag::kSyn, .window_scale = 7, .ipv6 = true});
  const auto seg = wire::parse_packet(run_box(box, Direction::kClientToServer, packet).at(0));
  ASSERT_TRUE(seg) << to_string(seg.error());
  EXPECT_FALSE(seg->options.window_scale);
}

}  // namespace
}  // namespace phantasm::memwire
