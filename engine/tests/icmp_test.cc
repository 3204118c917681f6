// ICMP too-big messages that reach the tunnel: recognised (with verified checksums and a quoted
// TCP header), their MTU reported, and counted by the endpoint under their own name.
#include "engine/wire/icmp.h"

#include <gtest/gtest.h>

#include <vector>

#include "engine/endpoint/endpoint.h"
#include "engine/tests/wire_test_util.h"

namespace phantasm::wire {
namespace {

using testing::naive_fold;
using testing::naive_sum;

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

// IPv4 router 10.0.0.1 -> 192.168.201.2: fragmentation needed, next-hop MTU `mtu`, quoting an
// IPv4 packet whose protocol is `quoted_protocol`.
std::vector<uint8_t> frag_needed_v4(uint16_t mtu, uint8_t quoted_protocol = 6) {
  std::vector<uint8_t> p(20 + 8 + 28, 0);
  p[0] = 0x45;
  put16(p, 2, static_cast<uint16_t>(p.size()));
  p[8] = 64;
  p[9] = 1;
  const uint8_t src[] = {10, 0, 0, 1}, dst[] = {192, 168, 201, 2};
  std::copy(std::begin(src), std::end(src), p.begin() + 12);
  std::copy(std::begin(dst), std::end(dst), p.begin() + 16);
  put16(p, 10, static_cast<uint16_t>(~naive_fold(naive_sum(std::span(p).first(20)))));
  p[20] = 3;
  p[21] = 4;
  put16(p, 26, mtu);
  p[28] = 0x45;  // the quoted header: ours, on its way out
  put16(p, 30, 1500);
  p[28 + 9] = quoted_protocol;
  put16(p, 22, static_cast<uint16_t>(~naive_fold(naive_sum(std::span(p).subspan(20)))));
  return p;
}

// IPv6 router fd00::1 -> fcc9::2: packet too big, MTU `mtu`, quoting a TCP packet.
std::vector<uint8_t> too_big_v6(uint32_t mtu) {
  std::vector<uint8_t> p(40 + 8 + 48, 0);
  p[0] = 0x60;
  put16(p, 4, static_cast<uint16_t>(p.size() - 40));
  p[6] = 58;
  p[7] = 64;
  const IpAddress src_ip = *IpAddress::parse("fd00::1");
  const IpAddress dst_ip = *IpAddress::parse("fcc9::2");
  const auto src = src_ip.bytes();
  const auto dst = dst_ip.bytes();
  std::copy(src.begin(), src.end(), p.begin() + 8);
  std::copy(dst.begin(), dst.end(), p.begin() + 24);
  p[40] = 2;
  put16(p, 44, static_cast<uint16_t>(mtu >> 16));
  put16(p, 46, static_cast<uint16_t>(mtu));
  p[48] = 0x60;
  p[48 + 6] = 6;
  // ICMPv6 pseudo-header: addresses, upper-layer length, next header 58.
  std::vector<uint8_t> pseudo(src.begin(), src.end());
  pseudo.insert(pseudo.end(), dst.begin(), dst.end());
  const size_t len = p.size() - 40;
  pseudo.insert(pseudo.end(), {0, 0, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len), 0, 0, 0, 58});
  put16(p, 42, static_cast<uint16_t>(~naive_fold(naive_sum(std::span(p).subspan(40), naive_sum(pseudo)))));
  return p;
}

TEST(IcmpTooBig, ReportsTheMtuOfWellFormedMessagesAboutTcp) {
  EXPECT_EQ(packet_too_big_mtu(frag_needed_v4(1400)), 1400u);
  EXPECT_EQ(packet_too_big_mtu(frag_needed_v4(0)), 0u);  // an old router names no MTU
  EXPECT_EQ(packet_too_big_mtu(too_big_v6(1280)), 1280u);
}

TEST(IcmpTooBig, IgnoresForgeriesAndOtherMessages) {
  auto bad_sum = frag_needed_v4(1400);
  bad_sum[23] ^= 1;
  EXPECT_FALSE(packet_too_big_mtu(bad_sum));
  EXPECT_FALSE(packet_too_big_mtu(frag_needed_v4(1400, 17)));  // about UDP: not our packet
  auto unreachable = frag_needed_v4(1400);
  unreachable[21] = 1;  // host unreachable
  EXPECT_FALSE(packet_too_big_mtu(unreachable));
  auto v6 = too_big_v6(1280);
  v6[60] ^= 0x80;
  EXPECT_FALSE(packet_too_big_mtu(v6));
  // Every truncation of a valid message is refused, never read past its end.
  for (const auto& whole : {frag_needed_v4(1400), too_big_v6(1280)}) {
    for (size_t n = 0; n < whole.size(); ++n) {
      EXPECT_FALSE(packet_too_big_mtu(std::span(whole).first(n))) << n;
    }
  }
}

class NullSink : public EngineSink {
 public:
  void send_packet(std::span<const uint8_t>) override { ++sent; }
  void deliver_datagram(FlowId, std::span<const uint8_t>) override {}
  void flow_opened(FlowId, const FlowInfo&) override {}
  void flow_closed(FlowId, CloseReason) override {}
  int sent = 0;
};

TEST(IcmpTooBig, TheEndpointCountsItAndKeepsThePathMtu) {
  EngineConfig c;
  c.role = Role::kServer;
  c.listen_ports = {4567};
  NullSink sink;
  Endpoint server(c, 1, sink);
  server.on_network_packet(frag_needed_v4(1400), Time::zero());
  server.on_network_packet(too_big_v6(1300), Time::zero());
  auto other = frag_needed_v4(1400, 17);
  server.on_network_packet(other, Time::zero());
  EXPECT_EQ(server.counters().drops[DropReason::kIcmpTooBig], 2u);
  EXPECT_EQ(server.counters().drops[DropReason::kNotTcp], 1u);
  EXPECT_EQ(server.counters().path_mtu_reported, 1300u);
  EXPECT_EQ(sink.sent, 0);  // no answer to ICMP
}

}  // namespace
}  // namespace phantasm::wire
