#include "engine/endpoint/tests/test_host.h"
#include "engine/wire/checksum.h"
#include "engine/wire/tcp.h"

namespace phantasm::test {
namespace {

namespace flag = wire::tcp::flag;

TEST(Handshake, ClientSendsPhantunSynAndQueuesTheDatagram) {
  Pair p;
  p.ccfg.compat = Compat::kPhantun;
  p.build();
  p.send_from_app(kAppA, "hello");
  ASSERT_EQ(p.csink.packets.size(), 1u);
  const auto syn = p.csink.segment(0);
  EXPECT_EQ(syn.flags, flag::kSyn);
  EXPECT_EQ(syn.seq, 0u);
  EXPECT_EQ(syn.ack, 0u);
  EXPECT_EQ(syn.window, 0xFFFF);
  EXPECT_EQ(syn.options.window_scale, 14);
  EXPECT_EQ(syn.dst, kServerAddr.ip);
  EXPECT_EQ(syn.dst_port, kServerAddr.port);
  EXPECT_EQ(syn.src, *IpAddress::parse("192.168.200.2"));
  EXPECT_GE(syn.src_port, 32768);
  EXPECT_LE(syn.src_port, 60999);
  // The raw option bytes are Phantun's `01 03 03 0e`.
  const auto& bytes = p.csink.packets[0];
  EXPECT_EQ(bytes.size(), 44u);
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin() + 40, bytes.end()), (std::vector<uint8_t>{1, 3, 3, 14}));
  // The client flow exists from the first datagram.
  ASSERT_EQ(p.csink.events.size(), 1u);
  EXPECT_EQ(p.csink.events[0].kind, Event::kOpened);
  EXPECT_EQ(p.csink.events[0].info.udp_peer, kAppA);
  EXPECT_EQ(p.client->counters().traffic.datagrams_sent, 0u);
}

TEST(Handshake, CompletesAndFlushesQueuedDatagramsInOrder) {
  Pair p;
  p.send_from_app(kAppA, "one");
  p.send_from_app(kAppA, "two");
  p.pump();
  ASSERT_EQ(p.ssink.deliveries.size(), 2u);
  EXPECT_EQ(text(p.ssink.deliveries[0].payload), "one");
  EXPECT_EQ(text(p.ssink.deliveries[1].payload), "two");
  EXPECT_EQ(p.client->counters().handshakes_completed, 1u);
  EXPECT_EQ(p.server->counters().handshakes_completed, 1u);
  EXPECT_EQ(p.server->flow_count(), 1u);
  EXPECT_EQ(p.server->half_open_count(), 0u);
  // The server told its host before delivering.
  ASSERT_FALSE(p.ssink.events.empty());
  EXPECT_EQ(p.ssink.events[0].kind, Event::kOpened);
  EXPECT_EQ(p.ssink.deliveries[0].flow, p.ssink.events[0].flow);
}

TEST(Handshake, ServerAnswersWithPhantunSynAck) {
  Pair p;  // server ISN 0, as Phantun
  p.ccfg.compat = Compat::kPhantun;
  p.build();
  p.send_from_app(kAppA, "x");
  p.server->on_network_packet(p.csink.packets[0], p.now);
  ASSERT_EQ(p.ssink.packets.size(), 1u);
  const auto sa = p.ssink.segment(0);
  EXPECT_EQ(sa.flags, flag::kSyn | flag::kAck);
  EXPECT_EQ(sa.seq, 0u);
  EXPECT_EQ(sa.ack, 1u);
  EXPECT_EQ(sa.options.window_scale, 14);
  EXPECT_EQ(p.ssink.packets[0].size(), 44u);
}

TEST(Handshake, ServerAcceptsAnyClientIsnAndMayRandomiseItsOwn) {
  // A client behind an ISN-randomising firewall: the SYN arrives with seq 0x12345678.
  Pair p(/*random_server_isn=*/true);
  p.send_from_app(kAppA, "x");
  auto syn = p.csink.take()[0];
  syn[24] = 0x12; syn[25] = 0x34; syn[26] = 0x56; syn[27] = 0x78;  // TCP seq at IP(20)+4
  // Fix the TCP checksum for the new seq (RFC 1624).
  const uint16_t old_sum = static_cast<uint16_t>(syn[36] << 8 | syn[37]);
  const uint16_t new_sum = wire::checksum_update32(old_sum, 0, 0x12345678);
  syn[36] = static_cast<uint8_t>(new_sum >> 8);
  syn[37] = static_cast<uint8_t>(new_sum);
  p.server->on_network_packet(syn, p.now);
  ASSERT_EQ(p.ssink.packets.size(), 1u);
  const auto sa = p.ssink.segment(0);
  EXPECT_EQ(sa.ack, 0x12345679u);
  EXPECT_NE(sa.seq, 0u);  // randomised (seed 2 does not give 0)
}

TEST(Handshake, LostSynIsRetransmittedEverySecondThenRetriedOnANewPortWithBackoff) {
  Pair p;
  p.send_from_app(kAppA, "lost");
  EXPECT_EQ(p.client->next_deadline(), at(1s));
  p.client->on_timer(at(1s));
  p.client->on_timer(at(2s));
  ASSERT_EQ(p.csink.packets.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(p.csink.segment(i).flags, flag::kSyn);
  const uint16_t first_port = p.csink.segment(0).src_port;
  EXPECT_EQ(p.client->counters().handshake_retransmits, 2u);
  // Three SYNs unanswered: a RST on the old port (as Phantun), then - the application still
  // being active - a first retry at once on a new port.
  p.client->on_timer(at(3s));
  ASSERT_EQ(p.csink.packets.size(), 5u);
  const auto rst = p.csink.segment(3);
  EXPECT_EQ(rst.flags, flag::kRst);
  EXPECT_EQ(rst.src_port, first_port);
  EXPECT_EQ(rst.seq, 0u);
  EXPECT_EQ(rst.ack, 0u);
  const auto retry = p.csink.segment(4);
  EXPECT_EQ(retry.flags, flag::kSyn);
  EXPECT_NE(retry.src_port, first_port);
  EXPECT_EQ(p.client->counters().handshakes_failed, 1u);
  // The queued datagram is not lost silently; the flow itself stays (no close event).
  EXPECT_EQ(p.client->counters().drops[DropReason::kHandshakeFailed], 1u);
  EXPECT_EQ(p.client->flow_count(), 1u);
  EXPECT_EQ(p.csink.events.size(), 1u);
  // The next failure waits 1 s before retrying, the one after 2 s: no SYN storm.
  p.csink.take();
  for (auto t : {4s, 5s, 6s}) p.client->on_timer(at(t));  // the second attempt's SYNs, then failure
  EXPECT_EQ(p.client->flows()[0].state, ConnState::kBackoff);
  EXPECT_EQ(p.client->next_deadline(), at(7s));
  p.client->on_timer(at(7s));
  p.client->on_timer(at(8s));
  p.client->on_timer(at(9s));
  p.client->on_timer(at(10s));  // third attempt failed
  EXPECT_EQ(p.client->next_deadline(), at(12s));
  // A silent application lets the flow go at the idle timeout.
  p.client->on_timer(at(180s));
  EXPECT_EQ(p.client->flow_count(), 0u);
  EXPECT_EQ(p.csink.events.back().reason, CloseReason::kIdle);
}

TEST(Handshake, LostSynAckIsAnsweredWhenTheClientRepeatsItsSyn) {
  Pair p;
  p.send_from_app(kAppA, "x");
  p.server->on_network_packet(p.csink.take()[0], p.now);
  p.ssink.take();  // the SYN-ACK is lost
  p.now = at(1s);
  p.client->on_timer(p.now);
  p.server->on_network_packet(p.csink.take()[0], p.now);  // the repeated SYN
  ASSERT_EQ(p.ssink.packets.size(), 1u);
  EXPECT_EQ(p.ssink.segment(0).flags, flag::kSyn | flag::kAck);
  p.pump();
  ASSERT_EQ(p.ssink.deliveries.size(), 1u);
  EXPECT_EQ(text(p.ssink.deliveries[0].payload), "x");
}

TEST(Handshake, ServerGivesUpAfterThreeSynAcks) {
  Pair p;
  p.send_from_app(kAppA, "x");
  p.server->on_network_packet(p.csink.take()[0], p.now);
  p.server->on_timer(at(1s));
  p.server->on_timer(at(2s));
  p.server->on_timer(at(3s));
  ASSERT_EQ(p.ssink.packets.size(), 4u);
  EXPECT_EQ(p.ssink.segment(2).flags, flag::kSyn | flag::kAck);
  EXPECT_EQ(p.ssink.segment(3).flags, flag::kRst);
  EXPECT_EQ(p.server->flow_count(), 0u);
  EXPECT_EQ(p.server->half_open_count(), 0u);
  // A half-open connection never reached the host.
  EXPECT_TRUE(p.ssink.events.empty());
}

TEST(Handshake, LostThirdAckIsRecoveredByTheFirstDataSegment) {
  Pair p;
  p.send_from_app(kAppA, "first");
  p.server->on_network_packet(p.csink.take()[0], p.now);
  p.client->on_network_packet(p.ssink.take()[0], p.now);
  auto out = p.csink.take();
  ASSERT_EQ(out.size(), 2u);  // handshake ACK, then the queued datagram
  EXPECT_TRUE(wire::parse_packet(out[0])->payload.empty());
  // Drop the ACK; the data segment alone completes the server's handshake and is delivered
  // (Phantun's server consumes it as the ACK and loses it).
  p.server->on_network_packet(out[1], p.now);
  ASSERT_EQ(p.ssink.deliveries.size(), 1u);
  EXPECT_EQ(text(p.ssink.deliveries[0].payload), "first");
  EXPECT_EQ(p.server->counters().handshakes_completed, 1u);
}

TEST(Handshake, DataOvertakingTheAckIsDeliveredAndTheLateAckIsHarmless) {
  Pair p;
  p.send_from_app(kAppA, "first");
  p.server->on_network_packet(p.csink.take()[0], p.now);
  p.client->on_network_packet(p.ssink.take()[0], p.now);
  auto out = p.csink.take();
  p.server->on_network_packet(out[1], p.now);
  p.server->on_network_packet(out[0], p.now);
  ASSERT_EQ(p.ssink.deliveries.size(), 1u);
  EXPECT_EQ(p.server->counters().drops.total(), 0u);
  EXPECT_EQ(p.server->flows()[0].traffic.pure_acks_received, 1u);
}

TEST(Handshake, RepeatedSynAckAfterLostAckIsAcknowledgedAgain) {
  Pair p;
  p.send_from_app(kAppA, "x");
  p.server->on_network_packet(p.csink.take()[0], p.now);
  auto synack = p.ssink.take()[0];
  p.client->on_network_packet(synack, p.now);
  p.csink.take();  // ACK and data lost
  p.client->on_network_packet(synack, p.now);  // the server repeats its SYN-ACK
  ASSERT_EQ(p.csink.packets.size(), 1u);
  const auto ack = p.csink.segment(0);
  EXPECT_EQ(ack.flags, flag::kAck);
  EXPECT_EQ(ack.ack, 1u);
  EXPECT_TRUE(ack.payload.empty());
}

TEST(Handshake, RstAnsweringTheSynFailsTheAttemptAndTheClientRetries) {
  Pair p;
  p.scfg.listen_ports = {9999};  // the server does not serve 4567: it resets
  p.build();
  p.send_from_app(kAppA, "x");
  const uint16_t first_port = p.csink.last().src_port;
  p.server->on_network_packet(p.csink.take()[0], p.now);
  ASSERT_EQ(p.ssink.packets.size(), 1u);
  const auto rst = p.ssink.segment(0);
  EXPECT_EQ(rst.flags, flag::kRst | flag::kAck);
  EXPECT_EQ(rst.ack, 1u);
  EXPECT_EQ(p.server->counters().drops[DropReason::kNotListening], 1u);
  p.client->on_network_packet(p.ssink.packets[0], p.now);
  EXPECT_EQ(p.client->flows()[0].state, ConnState::kBackoff);
  EXPECT_EQ(p.client->counters().handshakes_failed, 1u);
  EXPECT_EQ(p.client->counters().drops[DropReason::kHandshakeFailed], 1u);
  EXPECT_TRUE(p.csink.packets.empty());  // never a RST to a RST
  p.client->on_timer(p.now);
  EXPECT_EQ(p.csink.last().flags, flag::kSyn);
  EXPECT_NE(p.csink.last().src_port, first_port);
}

TEST(Handshake, HandshakePacketIsTheFirstDataSegmentBothWays) {
  Pair p;
  p.ccfg.handshake_packet = {'C', 'H', 'P'};
  p.scfg.handshake_packet = {'S', 'H', 'P'};
  p.build();
  p.send_from_app(kAppA, "payload");
  p.pump();
  ASSERT_EQ(p.ssink.deliveries.size(), 2u);
  EXPECT_EQ(text(p.ssink.deliveries[0].payload), "CHP");
  EXPECT_EQ(text(p.ssink.deliveries[1].payload), "payload");
  ASSERT_EQ(p.csink.deliveries.size(), 1u);
  EXPECT_EQ(text(p.csink.deliveries[0].payload), "SHP");
  // It is not an application datagram: the sent = delivered + dropped books stay balanced.
  EXPECT_EQ(p.client->counters().traffic.handshake_packets_sent, 1u);
  EXPECT_EQ(p.client->counters().traffic.datagrams_sent, 1u);
  EXPECT_EQ(p.server->counters().traffic.handshake_packets_sent, 1u);
}

TEST(Handshake, PendingHandshakeDoesNotBlockOtherFlows) {
  Pair p;
  p.send_from_app(kAppA, "a");
  p.csink.take();  // A's SYN is lost
  p.send_from_app(kAppB, "b");
  p.pump();
  ASSERT_EQ(p.ssink.deliveries.size(), 1u);
  EXPECT_EQ(text(p.ssink.deliveries[0].payload), "b");
  EXPECT_EQ(p.client->flow_count(), 2u);
  EXPECT_EQ(p.client->half_open_count(), 1u);
}

TEST(Handshake, IPv6RemoteUsesTheIPv6LocalAddress) {
  Pair p;
  p.ccfg.remote = *SocketAddress::parse("[2001:db8::2]:4567");
  p.build();
  p.send_from_app(kAppA, "v6");
  const auto syn = p.csink.last();
  EXPECT_EQ(syn.version, IpVersion::kV6);
  EXPECT_EQ(syn.src, *IpAddress::parse("fcc8::2"));
  EXPECT_EQ(p.csink.packets[0].size(), 40u + 20u + 4u + 12u);  // with the Phantasm hello
  p.pump();
  ASSERT_EQ(p.ssink.deliveries.size(), 1u);
  EXPECT_EQ(text(p.ssink.deliveries[0].payload), "v6");
}

}  // namespace
}  // namespace phantasm::test
