// The exact packets of a short session, against Phantun's wire (phantun-wire.md §1.3): SYN,
// SYN-ACK, handshake ACK, a datagram each way. Both ends run Phantun-compatible (no Phantasm
// hello) with the server ISN at 0, as Phantun's, so every field is Phantun's own.
#include <gtest/gtest.h>

#include "engine/wire/phantun_segments.h"
#include "harness/memwire/simulation.h"
#include "harness/memwire/tests/sim_helpers.h"

namespace phantasm::memwire {
namespace {

namespace flag = wire::tcp::flag;
using std::chrono::microseconds;
using std::chrono::milliseconds;

struct Expected {
  Duration at;
  Direction dir;
  uint8_t flags;
  uint32_t seq;
  uint32_t ack;
  size_t payload_len;
  bool window_scale;  // NOP + WScale 14
  size_t size;        // the whole IPv4 packet
};

constexpr Direction kUp = Direction::kClientToServer;
constexpr Direction kDown = Direction::kServerToClient;

SimulationConfig phantun_exact() {
  SimulationConfig c;
  c.client.compat = Compat::kPhantun;
  c.server.compat = Compat::kPhantun;
  c.server.randomize_server_isn = false;
  return c;
}

// Runs the session: "hello" (5 bytes) up at t = 0, "world!" (6 bytes) back as soon as it is
// delivered. Returns the raw packets in the order they reached their receiver.
std::vector<std::vector<uint8_t>> run_session(Simulation& sim) {
  std::vector<std::vector<uint8_t>> raw;
  sim.on_arrival = [&](Direction, std::span<const uint8_t> p) { raw.emplace_back(p.begin(), p.end()); };
  sim.on_server_datagram = [&](FlowId f, std::span<const uint8_t>) { sim.server_send(f, testing::bytes("world!")); };
  sim.client_send(0, testing::bytes("hello"));
  sim.run_until(Time::zero() + milliseconds(1000));
  return raw;
}

TEST(GoldenConversation, ShortSessionMatchesPhantunsWire) {
  Simulation sim(phantun_exact());
  const auto raw = run_session(sim);

  // phantun-wire.md §1.3: ISN 0 both ways; SYN and SYN-ACK 44 bytes with NOP+WScale 14; the
  // handshake ACK seq 1 ack 1; data with ACK only, seq advancing by the payload, ack = the
  // peer's seq + len. The last row is Phantasm's addition that a Phantun peer ignores: a pure
  // ACK 200 ms after unacknowledged data (middleboxes.md §B.4), here for "world!".
  const Duration d = microseconds(500);  // one way
  const std::vector<Expected> expected = {
      {Duration{0}, kUp, flag::kSyn, 0, 0, 0, true, 44},
      {d, kDown, flag::kSyn | flag::kAck, 0, 1, 0, true, 44},
      {2 * d, kUp, flag::kAck, 1, 1, 0, false, 40},
      {2 * d, kUp, flag::kAck, 1, 1, 5, false, 45},
      {3 * d, kDown, flag::kAck, 1, 6, 6, false, 46},
      {4 * d + milliseconds(200), kUp, flag::kAck, 6, 7, 0, false, 40},
  };
  const auto& trace = sim.trace();
  ASSERT_EQ(trace.size(), expected.size()) << [&] {
    std::string all;
    for (const auto& p : trace) all.append("\n").append(format(p));
    return all;
  }();
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(std::string("packet ").append(std::to_string(i + 1)).append(": ").append(format(trace[i])));
    const Expected& e = expected[i];
    EXPECT_EQ(trace[i].at, Time::zero() + e.at);
    EXPECT_EQ(trace[i].dir, e.dir);
    EXPECT_EQ(trace[i].flags, e.flags);
    EXPECT_EQ(trace[i].seq, e.seq);
    EXPECT_EQ(trace[i].ack, e.ack);
    EXPECT_EQ(trace[i].payload_len, e.payload_len);
    EXPECT_EQ(trace[i].window, 0xFFFF);
    EXPECT_EQ(trace[i].window_scale, e.window_scale ? std::optional<uint8_t>(14) : std::nullopt);
    EXPECT_EQ(trace[i].size, e.size);
  }

  // Byte for byte, each packet is what the shared Phantun segment builders produce.
  ASSERT_EQ(raw.size(), expected.size());
  const FourTuple client_view = trace[0].tuple;
  EXPECT_EQ(client_view.local.ip, IpAddress::v4({192, 168, 200, 2}));
  EXPECT_EQ(client_view.remote, (SocketAddress{IpAddress::v4({192, 168, 201, 2}), kServerPort}));
  EXPECT_GE(client_view.local.port, 32768);
  EXPECT_LE(client_view.local.port, 60999);
  for (size_t i = 0; i < expected.size(); ++i) {
    const Expected& e = expected[i];
    const FourTuple tuple = e.dir == kUp ? client_view : client_view.reversed();
    wire::SegmentHeader h = e.flags == flag::kSyn ? wire::phantun::syn(tuple, e.seq)
                            : e.flags == (flag::kSyn | flag::kAck) ? wire::phantun::syn_ack(tuple, e.seq, e.ack)
                                                                   : wire::phantun::ack(tuple, e.seq, e.ack);
    const std::string payload = e.payload_len == 5 ? "hello" : e.payload_len == 6 ? "world!" : "";
    std::vector<uint8_t> buffer(wire::kHeadroom + payload.size());
    std::copy(payload.begin(), payload.end(), buffer.begin() + wire::kHeadroom);
    const auto built = wire::emit_in_front(buffer, wire::kHeadroom, payload.size(), h);
    ASSERT_TRUE(built);
    EXPECT_EQ(raw[i], std::vector<uint8_t>(built->begin(), built->end())) << "packet " << i + 1;
    // The fixed IPv4 fields: TOS 0, ID 0, DF, TTL 64, protocol 6; no PSH ever.
    EXPECT_EQ(raw[i][1], 0x00);
    EXPECT_EQ(raw[i][4], 0x00);
    EXPECT_EQ(raw[i][5], 0x00);
    EXPECT_EQ(raw[i][6], 0x40);
    EXPECT_EQ(raw[i][8], 64);
    EXPECT_EQ(raw[i][9], 6);
    EXPECT_EQ(raw[i][20 + 13] & flag::kPsh, 0);
  }
  // SYN and SYN-ACK options are exactly 01 03 03 0E.
  for (size_t i : {0, 1}) {
    EXPECT_EQ(std::vector<uint8_t>(raw[i].begin() + 40, raw[i].begin() + 44), (std::vector<uint8_t>{1, 3, 3, 14}));
  }
}

// Between two Phantasm ends (the default) the session is the same except for the hello option
// in SYN and SYN-ACK: same flags, numbers and payloads.
TEST(GoldenConversation, TwoPhantasmEndsDifferOnlyByTheHelloOption) {
  SimulationConfig phantasm = phantun_exact();
  phantasm.client.compat = Compat::kAuto;
  phantasm.server.compat = Compat::kAuto;
  Simulation a(phantun_exact());
  Simulation b(phantasm);
  run_session(a);
  run_session(b);
  // Keepalives differ in later seconds, not within this one.
  ASSERT_EQ(a.trace().size(), b.trace().size());
  for (size_t i = 0; i < a.trace().size(); ++i) {
    const TracedPacket& x = a.trace()[i];
    const TracedPacket& y = b.trace()[i];
    SCOPED_TRACE(format(x) + " vs " + format(y));
    EXPECT_EQ(x.flags, y.flags);
    EXPECT_EQ(x.seq, y.seq);
    EXPECT_EQ(x.ack, y.ack);
    EXPECT_EQ(x.payload_len, y.payload_len);
    EXPECT_EQ(x.at, y.at);
    const bool handshake = (x.flags & flag::kSyn) != 0;
    if (handshake) {
      EXPECT_GT(y.size, x.size);
    } else {
      EXPECT_EQ(y.size, x.size);
    }
  }
  EXPECT_EQ(b.client().counters().phantasm_peers, 1u);
  EXPECT_EQ(a.client().counters().phantasm_peers, 0u);
}

}  // namespace
}  // namespace phantasm::memwire
