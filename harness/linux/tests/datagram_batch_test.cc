// Batched UDP I/O over loopback: no privilege needed.
#include "harness/linux/datagram_batch.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>
#include <numeric>
#include <vector>

#include "engine/wire/packet.h"
#include "harness/linux/setup_error.h"
#include "harness/linux/udp_socket.h"

namespace phantasm::linux_host {
namespace {

SocketAddress local_address_of(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length), 0);
  return *from_sockaddr(storage, length);
}

std::vector<uint8_t> payload(size_t size, uint8_t seed) {
  std::vector<uint8_t> bytes(size);
  std::iota(bytes.begin(), bytes.end(), seed);
  return bytes;
}

// Receives until `want` datagrams arrived or a few empty polls passed.
size_t receive_all(ReceiveBatch& batch, int fd, size_t want, ReceiveOutcome* last = nullptr) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    ReceiveOutcome outcome = batch.receive(fd);
    if (last != nullptr) *last = outcome;
    if (outcome.received >= want) return outcome.received;
    usleep(1000);
  }
  return 0;
}

TEST(DatagramBatch, ReceivesPayloadsAtHeadroomWithTheirSources) {
  UniqueFd receiver = bind_udp(*SocketAddress::parse("127.0.0.1:0"), {});
  UniqueFd sender = bind_udp(*SocketAddress::parse("127.0.0.1:0"), {});
  const SocketAddress to = local_address_of(receiver.get());
  const SocketAddress from = local_address_of(sender.get());

  SendQueue queue(8);
  RawSockaddr destination = to_sockaddr(to);
  std::vector<std::vector<uint8_t>> sent;
  for (uint8_t i = 0; i < 5; ++i) sent.push_back(payload(100 + i * 300, i));
  for (const auto& p : sent) queue.add(sender.get(), p, &destination);
  SendOutcome outcome = queue.flush();
  EXPECT_EQ(outcome.sent, 5u);
  EXPECT_TRUE(queue.empty());

  ReceiveBatch batch(8, 1460);
  ASSERT_EQ(receive_all(batch, receiver.get(), 5), 5u);
  for (size_t i = 0; i < 5; ++i) {
    DatagramBuffer d = batch.datagram(i);
    EXPECT_EQ(d.offset, wire::kHeadroom);
    EXPECT_GE(d.storage.size(), wire::kHeadroom + 1460);
    ASSERT_EQ(d.length, sent[i].size());
    EXPECT_EQ(std::memcmp(d.payload().data(), sent[i].data(), d.length), 0);
    EXPECT_FALSE(batch.truncated(i));
    EXPECT_EQ(batch.source(i), from);
  }
}

TEST(DatagramBatch, FlagsDatagramsLargerThanTheTunnelCarries) {
  UniqueFd receiver = bind_udp(*SocketAddress::parse("127.0.0.1:0"), {});
  UniqueFd sender = bind_udp(*SocketAddress::parse("127.0.0.1:0"), {});
  RawSockaddr destination = to_sockaddr(local_address_of(receiver.get()));
  SendQueue queue(4);
  auto exact = payload(1000, 1);
  auto larger = payload(1001, 2);
  queue.add(sender.get(), exact, &destination);
  queue.add(sender.get(), larger, &destination);
  EXPECT_EQ(queue.flush().sent, 2u);

  ReceiveBatch batch(4, 1000);
  ASSERT_EQ(receive_all(batch, receiver.get(), 2), 2u);
  EXPECT_FALSE(batch.truncated(0));
  EXPECT_EQ(batch.datagram(0).length, 1000u);
  EXPECT_TRUE(batch.truncated(1));
}

TEST(DatagramBatch, ReportsTheKernelsDropCounter) {
  UdpSocketOptions small;
  small.buffer_bytes = 4096;  // the kernel doubles it and keeps a floor; still tiny
  UniqueFd receiver = bind_udp(*SocketAddress::parse("127.0.0.1:0"), small);
  // A plain SO_RCVBUF: the FORCE variant is refused without CAP_NET_ADMIN, and as root it
  // would have been applied anyway.
  int tiny = 2048;
  ASSERT_EQ(setsockopt(receiver.get(), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny), 0);
  UniqueFd sender = bind_udp(*SocketAddress::parse("127.0.0.1:0"), {});
  RawSockaddr destination = to_sockaddr(local_address_of(receiver.get()));
  auto p = payload(1200, 3);
  SendQueue queue(64);
  for (int i = 0; i < 64; ++i) queue.add(sender.get(), p, &destination);
  queue.flush();

  ReceiveBatch batch(64, 1460);
  ReceiveOutcome outcome;
  ASSERT_GT(receive_all(batch, receiver.get(), 1, &outcome), 0u);
  EXPECT_LT(outcome.received, 64u);
  // The kernel stamps each datagram with the drops counted before it was queued, so the count
  // arrives with the next datagram after the overflow.
  queue.add(sender.get(), p, &destination);
  queue.flush();
  ASSERT_EQ(receive_all(batch, receiver.get(), 1, &outcome), 1u);
  ASSERT_TRUE(outcome.kernel_drops.has_value());
  EXPECT_GT(*outcome.kernel_drops, 0u);
}

// A wildcard socket learns which local address each datagram was sent to and answers from it
// (on a host with several addresses the kernel's own choice could differ).
TEST(DatagramBatch, RepliesLeaveFromTheAddressThePeerUsed) {
  for (const char* family : {"v4", "v6"}) {
    UdpSocketOptions options;
    options.packet_info = true;
    bool v6 = std::string(family) == "v6";
    UniqueFd server = bind_udp(*SocketAddress::parse(v6 ? "[::]:0" : "0.0.0.0:0"), options);
    uint16_t port = local_address_of(server.get()).port;
    UniqueFd peer = bind_udp(*SocketAddress::parse("127.0.0.1:0"), {});
    // 127.0.0.2 is local too, but not the address the kernel would pick towards 127.0.0.1.
    SocketAddress to{*IpAddress::parse("127.0.0.2"), port};
    RawSockaddr raw_to = to_sockaddr(to);
    auto p = payload(20, 4);
    SendQueue queue(2);
    queue.add(peer.get(), p, &raw_to);
    ASSERT_EQ(queue.flush().sent, 1u) << family;

    ReceiveBatch batch(2, 100);
    ASSERT_EQ(receive_all(batch, server.get(), 1), 1u) << family;
    ASSERT_TRUE(batch.destination(0).has_value()) << family;
    IpAddress local = *batch.destination(0);
    EXPECT_EQ(local, *IpAddress::parse(v6 ? "::ffff:7f00:2" : "127.0.0.2"));  // v4-mapped on v6
    RawSockaddr back = batch.raw_source(0);
    queue.add(server.get(), p, &back, &local);
    ASSERT_EQ(queue.flush().sent, 1u) << family;

    ASSERT_EQ(receive_all(batch, peer.get(), 1), 1u) << family;
    EXPECT_EQ(batch.source(0), to) << family;
  }
}

TEST(DatagramBatch, NothingWaitingIsNotAnError) {
  UniqueFd receiver = bind_udp(*SocketAddress::parse("127.0.0.1:0"), {});
  ReceiveBatch batch(4, 100);
  ReceiveOutcome outcome = batch.receive(receiver.get());
  EXPECT_EQ(outcome.received, 0u);
  EXPECT_EQ(outcome.error, 0);
}

TEST(SendQueue, ConnectedSocketsAndSeveralFds) {
  UniqueFd a = bind_udp(*SocketAddress::parse("127.0.0.1:0"), {});
  UniqueFd b = bind_udp(*SocketAddress::parse("127.0.0.1:0"), {});
  int error = -1;
  UniqueFd to_a = connect_udp(local_address_of(a.get()), {}, &error);
  ASSERT_TRUE(to_a.valid()) << error;
  UniqueFd to_b = connect_udp(local_address_of(b.get()), {}, &error);
  ASSERT_TRUE(to_b.valid()) << error;

  SendQueue queue(8);
  auto p = payload(50, 9);
  queue.add(to_a.get(), p, nullptr);
  queue.add(to_a.get(), p, nullptr);
  queue.add(to_b.get(), p, nullptr);
  queue.add(to_a.get(), p, nullptr);
  EXPECT_EQ(queue.flush().sent, 4u);

  ReceiveBatch batch(8, 100);
  EXPECT_EQ(receive_all(batch, a.get(), 3), 3u);
  EXPECT_EQ(receive_all(batch, b.get(), 1), 1u);
}

TEST(UdpSocket, BindErrorsNameTheAddress) {
  UniqueFd first = bind_udp(*SocketAddress::parse("127.0.0.1:0"), {});
  SocketAddress taken = local_address_of(first.get());
  try {
    bind_udp(taken, {});
    FAIL() << "bound twice";
  } catch (const SetupError& e) {
    EXPECT_NE(std::string(e.what()).find("already in use"), std::string::npos) << e.what();
  }
  EXPECT_THROW(bind_udp(*SocketAddress::parse("192.0.2.1:9"), {}), SetupError);
}

}  // namespace
}  // namespace phantasm::linux_host
