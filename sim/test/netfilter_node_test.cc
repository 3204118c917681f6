// The Linux host/router model: NAT as the README's rules and the scenarios' boxes use it,
// the forward-chain firewall, leaks of INVALID packets, the kernel's RST.
#include <gtest/gtest.h>

#include "sim/model/netfilter_node.h"
#include "sim/test/segment_builder.h"

namespace phantasm::sim {
namespace {

namespace f = tcp_flag;
using test::SegmentSpec;

IpAddress v4(const char* text) { return *IpAddress::parse(text); }

struct Sent {
  size_t iface;
  std::vector<uint8_t> bytes;
  IpPacket parsed() const { return *parse_ip_packet(bytes); }
};

class NodeTest : public ::testing::Test {
 protected:
  void make(NodeConfig c) {
    node_ = std::make_unique<NetfilterNode>(std::move(c), 7);
    node_->set_emit([this](size_t iface, std::vector<uint8_t>&& b) { out_.push_back({iface, std::move(b)}); });
  }
  std::vector<Sent> in(size_t iface, const SegmentSpec& s) {
    out_.clear();
    node_->receive(iface, test::build_segment(s), now_);
    return out_;
  }

  // The client host: pt (TUN, 192.168.200.1 peer .2) and wan 10.99.0.1, masquerading pt -> wan.
  static NodeConfig client_host() {
    NodeConfig c;
    c.label = "client";
    c.interfaces = {{"pt", {v4("192.168.200.1")}, 0, false}, {"wan", {v4("10.99.0.1")}}};
    c.routes = {{{v4("192.168.200.2"), 32}, 0}, {{v4("10.99.0.0"), 24}, 1}, {{v4("0.0.0.0"), 0}, 1}};
    c.snat = SourceNatRule{0, 1, true, {}, std::nullopt};
    c.private_sources = {{v4("192.168.200.0"), 24}, {v4("192.168.201.0"), 24}};
    return c;
  }

  std::unique_ptr<NetfilterNode> node_;
  std::vector<Sent> out_;
  Time now_ = Time::zero();
};

TEST_F(NodeTest, ClientMasqueradesTheTunAndUndoesItForAnswers) {
  make(client_host());
  auto out = in(0, {.src = v4("192.168.200.2"), .dst = v4("10.99.1.2"), .sport = 40000, .seq = 1, .flags = f::kSyn});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].iface, 1u);
  EXPECT_EQ(out[0].parsed().src, v4("10.99.0.1"));
  EXPECT_EQ(out[0].parsed().tcp->sport, 40000);  // the port is kept when unique
  EXPECT_TRUE(tcp_checksum_ok(out[0].bytes, out[0].parsed()));
  EXPECT_EQ(out[0].parsed().ttl, 63);
  out = in(1, {.src = v4("10.99.1.2"), .dst = v4("10.99.0.1"), .sport = 4567, .dport = 40000, .seq = 9, .ack = 2,
               .flags = f::kSyn | f::kAck});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].iface, 0u);
  EXPECT_EQ(out[0].parsed().dst, v4("192.168.200.2"));
  EXPECT_TRUE(tcp_checksum_ok(out[0].bytes, out[0].parsed()));
  EXPECT_EQ(node_->counters().leaked, 0u);
}

TEST_F(NodeTest, InvalidPacketsSkipNatAndLeakTheTunAddress) {
  auto c = client_host();
  c.conntrack.loose = false;
  make(c);
  const auto out = in(0, {.src = v4("192.168.200.2"), .dst = v4("10.99.1.2"), .sport = 40000, .seq = 1, .ack = 5,
                          .flags = f::kAck, .payload = 10});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].parsed().src, v4("192.168.200.2"));
  EXPECT_EQ(node_->counters().invalid, 1u);
  EXPECT_EQ(node_->counters().leaked, 1u);
}

TEST_F(NodeTest, ServerDnatsToItsTunAndTheKernelResetsWhatItCannotDeliver) {
  NodeConfig c;
  c.label = "server";
  c.interfaces = {{"lan", {v4("10.99.1.2")}}, {"pt", {v4("192.168.201.1")}, 0, false}};
  c.routes = {{{v4("192.168.201.2"), 32}, 1}, {{v4("10.99.1.0"), 24}, 0}, {{v4("0.0.0.0"), 0}, 0}};
  c.dnat = DestinationNatRule{0, 4567, {v4("192.168.201.2")}};
  make(c);
  auto out = in(0, {.src = v4("10.99.0.1"), .dst = v4("10.99.1.2"), .sport = 40000, .seq = 1, .flags = f::kSyn});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].iface, 1u);
  EXPECT_EQ(out[0].parsed().dst, v4("192.168.201.2"));
  // Another port: delivered locally, nobody listens, the kernel answers RST+ACK.
  out = in(0, {.src = v4("10.99.0.1"), .dst = v4("10.99.1.2"), .sport = 40000, .dport = 80, .seq = 1, .flags = f::kSyn});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].iface, 0u);
  const IpPacket rst = out[0].parsed();
  EXPECT_EQ(rst.tcp->flags, f::kRst | f::kAck);
  EXPECT_EQ(rst.tcp->ack, 2u);
  EXPECT_EQ(node_->counters().kernel_rsts, 1u);
}

NodeConfig box(std::optional<PortSpan> ports) {
  NodeConfig c;
  c.label = "nat";
  c.interfaces = {{"lan", {v4("10.99.0.2")}}, {"wan", {v4("10.99.1.1")}}};
  c.routes = {{{v4("10.99.0.0"), 24}, 0}, {{v4("10.99.1.0"), 24}, 1}, {{v4("0.0.0.0"), 0}, 1}};
  c.snat = SourceNatRule{std::nullopt, 1, true, {}, ports};
  return c;
}

TEST_F(NodeTest, PortRangeMappingIsReusedForTheSameSource) {
  make(box(PortSpan{40000, 40999}));
  auto a = in(0, {.src = v4("10.99.0.1"), .dst = v4("10.99.2.2"), .sport = 33333, .seq = 1, .flags = f::kSyn});
  ASSERT_EQ(a.size(), 1u);
  const uint16_t mapped = a[0].parsed().tcp->sport;
  EXPECT_TRUE(mapped >= 40000 && mapped <= 40999);
  // Same source, another destination: the same external port (endpoint-independent mapping).
  auto b = in(0, {.src = v4("10.99.0.1"), .dst = v4("10.99.2.3"), .sport = 33333, .seq = 1, .flags = f::kSyn});
  EXPECT_EQ(b[0].parsed().tcp->sport, mapped);
  // Rebinding to another range (and the flush that goes with it): a new port from the new range.
  node_->rebind_source_nat(PortSpan{50000, 50999});
  auto c = in(0, {.src = v4("10.99.0.1"), .dst = v4("10.99.2.2"), .sport = 33333, .seq = 5, .ack = 9, .flags = f::kAck});
  const uint16_t rebound = c[0].parsed().tcp->sport;
  EXPECT_TRUE(rebound >= 50000 && rebound <= 50999);
}

TEST_F(NodeTest, ClashingSourcePortsGetAnotherPort) {
  make(box(std::nullopt));
  in(0, {.src = v4("10.99.0.1"), .dst = v4("10.99.2.2"), .sport = 33333, .seq = 1, .flags = f::kSyn});
  // Another inside host on the same port to the same server: the outside tuple would clash.
  auto out = in(0, {.src = v4("10.99.0.7"), .dst = v4("10.99.2.2"), .sport = 33333, .seq = 1, .flags = f::kSyn});
  EXPECT_NE(out[0].parsed().tcp->sport, 33333);
  EXPECT_GE(out[0].parsed().tcp->sport, 1024);
}

TEST_F(NodeTest, StrictFirewallDropsInvalidAndNonSynNew) {
  auto c = box(std::nullopt);
  c.conntrack.loose = false;
  c.firewall = ForwardFirewall{true, true, std::nullopt};
  make(c);
  EXPECT_TRUE(in(0, {.src = v4("10.99.0.1"), .dst = v4("10.99.2.2"), .seq = 1, .ack = 1, .flags = f::kAck}).empty());
  EXPECT_EQ(node_->counters().dropped_invalid, 1u);
  c.conntrack.loose = true;
  make(c);
  EXPECT_TRUE(in(0, {.src = v4("10.99.0.1"), .dst = v4("10.99.2.2"), .seq = 1, .ack = 1, .flags = f::kAck}).empty());
  EXPECT_EQ(node_->counters().dropped_not_syn, 1u);
  EXPECT_TRUE(node_->conntrack().live(now_).empty());  // the dropped packet's entry never got confirmed
}

TEST_F(NodeTest, ConnectionLimitCountsLiveConnections) {
  auto c = box(std::nullopt);
  c.firewall = ForwardFirewall{false, false, 2};
  make(c);
  for (uint16_t port = 1; port <= 3; ++port) {
    in(0, {.src = v4("10.99.0.1"), .dst = v4("10.99.2.2"), .sport = static_cast<uint16_t>(30000 + port), .seq = 1,
           .flags = f::kSyn});
  }
  EXPECT_EQ(node_->counters().dropped_conn_limit, 1u);
  EXPECT_EQ(node_->conntrack().live(now_).size(), 2u);
}

TEST_F(NodeTest, LinkMtuDropsWhatDoesNotFit) {
  auto c = box(std::nullopt);
  c.interfaces[1].mtu = 1400;
  make(c);
  EXPECT_TRUE(in(0, {.src = v4("10.99.0.1"), .dst = v4("10.99.2.2"), .seq = 1, .flags = f::kSyn, .payload = 1400}).empty());
  EXPECT_EQ(node_->counters().dropped_mtu, 1u);
}

}  // namespace
}  // namespace phantasm::sim
