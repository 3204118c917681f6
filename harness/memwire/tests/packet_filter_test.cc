#include "harness/memwire/packet_filter.h"

#include <gtest/gtest.h>

#include "harness/memwire/tests/packet_builder.h"

namespace phantasm::memwire {
namespace {

using testing::build_packet;
namespace flag = testing::flag;

TEST(PacketPredicates, ClassifyPhantunSegments) {
  const auto syn = build_packet({.flags = flag::kSyn, .window_scale = 14});
  const auto syn_ack = build_packet({.from_client = false, .flags = flag::kSyn | flag::kAck, .ack = 1, .window_scale = 14});
  const auto ack = build_packet({.flags = flag::kAck, .seq = 1, .ack = 1});
  const auto data = build_packet({.flags = flag::kAck, .seq = 1, .ack = 1, .payload_len = 5});
  const auto rst = build_packet({.flags = flag::kRst, .seq = 1});
  EXPECT_TRUE(is_syn(syn));
  EXPECT_FALSE(is_syn(syn_ack));
  EXPECT_TRUE(is_syn_ack(syn_ack));
  EXPECT_TRUE(is_pure_ack(ack));
  EXPECT_FALSE(is_pure_ack(data));
  EXPECT_TRUE(is_data(data));
  EXPECT_FALSE(is_data(ack));
  EXPECT_TRUE(is_rst(rst));
  EXPECT_FALSE(is_rst(ack));
  EXPECT_FALSE(is_syn(std::vector<uint8_t>{0x45, 0}));
}

TEST(PacketFilter, DropsOnlyTheListedOccurrencesInItsDirection) {
  PacketFilter f({Direction::kClientToServer, is_data, {2, 3}, Duration{0}});
  const auto data = build_packet({.seq = 1, .ack = 1, .payload_len = 5});
  std::vector<size_t> emitted;
  for (int i = 0; i < 5; ++i) emitted.push_back(testing::run_box(f, Direction::kClientToServer, data).size());
  EXPECT_EQ(emitted, (std::vector<size_t>{1, 0, 0, 1, 1}));
  // The other direction is not counted.
  EXPECT_EQ(testing::run_box(f, Direction::kServerToClient, data).size(), 1u);
  EXPECT_EQ(f.matched(), 5u);
  EXPECT_EQ(f.acted_on(), 2u);
}

TEST(PacketFilter, HoldDelaysInsteadOfDropping) {
  const Middlebox box = hold_nth(Direction::kClientToServer, is_pure_ack, {1}, std::chrono::milliseconds(3));
  Duration held{-1};
  const Emit emit(Time::zero(), [&](std::span<const uint8_t>, Duration d) { held = d; });
  box(Direction::kClientToServer, build_packet({.seq = 1, .ack = 1}), emit);
  EXPECT_EQ(held, std::chrono::milliseconds(3));
}

}  // namespace
}  // namespace phantasm::memwire
