#include "harness/memwire/middlebox.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace phantasm::memwire {
namespace {

struct Emitted {
  std::vector<uint8_t> packet;
  Duration held;
};

std::vector<Emitted> run(const Middlebox& box, Direction dir, std::vector<uint8_t> packet) {
  std::vector<Emitted> out;
  const Emit emit(Time::zero(), [&](std::span<const uint8_t> p, Duration held) {
    out.push_back({std::vector<uint8_t>(p.begin(), p.end()), held});
  });
  box(dir, packet, emit);
  return out;
}

// Appends its tag byte to every packet (so the order of boxes is visible) and holds it 1 ms.
Middlebox tagger(uint8_t tag) {
  return [tag](Direction, std::span<const uint8_t> p, const Emit& emit) {
    std::vector<uint8_t> q(p.begin(), p.end());
    q.push_back(tag);
    emit.after(std::chrono::milliseconds(1), q);
  };
}

TEST(Middlebox, PassThroughEmitsThePacketUnchanged) {
  const auto out = run(pass_through, Direction::kClientToServer, {1, 2, 3});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].packet, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(out[0].held, Duration{0});
}

TEST(Middlebox, ChainRunsClientSideFirstAndAddsDelays) {
  const Middlebox path = chain({tagger('a'), tagger('b'), tagger('c')});
  const auto up = run(path, Direction::kClientToServer, {});
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(std::string(up[0].packet.begin(), up[0].packet.end()), "abc");
  EXPECT_EQ(up[0].held, std::chrono::milliseconds(3));
  const auto down = run(path, Direction::kServerToClient, {});
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(std::string(down[0].packet.begin(), down[0].packet.end()), "cba");
}

TEST(Middlebox, ChainStopsAtADrop) {
  const Middlebox drop_all = [](Direction, std::span<const uint8_t>, const Emit&) {};
  int reached = 0;
  const Middlebox count = [&](Direction, std::span<const uint8_t> p, const Emit& e) {
    ++reached;
    e(p);
  };
  EXPECT_TRUE(run(chain(drop_all, count), Direction::kClientToServer, {1}).empty());
  EXPECT_EQ(reached, 0);
}

TEST(Middlebox, ChainFansOutEveryEmittedPacket) {
  const Middlebox twice = [](Direction, std::span<const uint8_t> p, const Emit& e) {
    e(p);
    e(p);
  };
  EXPECT_EQ(run(chain(twice, twice), Direction::kClientToServer, {7}).size(), 4u);
}

}  // namespace
}  // namespace phantasm::memwire
