// Real sockets over loopback, sender and sink in one process (threads). No root needed.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>
#include <vector>

#include "harness/traffic/format/datagram.h"
#include "harness/traffic/tool/errors.h"
#include "harness/traffic/tool/sender.h"
#include "harness/traffic/tool/sink.h"
#include "harness/traffic/tool/udp_socket.h"

namespace phantasm::traffic {
namespace {

using namespace std::chrono_literals;

// A sink running on its own thread until it stops by itself or stop() is called.
class SinkThread {
 public:
  explicit SinkThread(SinkOptions options) : sink_(quiet(std::move(options))) {
    thread_ = std::thread([this] { report_ = sink_.run(stop_); });
  }
  ~SinkThread() { stop(); }

  Endpoint endpoint() const { return sink_.local_endpoint(); }
  const RunReport& stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    return report_;
  }
  const RunReport& wait() {
    if (thread_.joinable()) thread_.join();
    return report_;
  }

 private:
  static SinkOptions quiet(SinkOptions options) {
    options.progress = false;
    return options;
  }
  Sink sink_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  RunReport report_;
};

bool family_available(const char* address) {
  try {
    UdpSocket socket(resolve({address, 0}, true).family());
    socket.bind(resolve({address, 0}, true));
    return true;
  } catch (const RuntimeError&) {
    return false;
  }
}

SinkOptions sink_on(const char* address) {
  SinkOptions options;
  options.listen = resolve({address, 0}, true);
  options.duration = 60s;  // a safety net only: every test ends its sink sooner
  return options;
}

SenderOptions sender_to(const Endpoint& target) {
  SenderOptions options;
  options.target = target;
  options.progress = false;
  options.grace = 10s;  // ends as soon as every echo is back
  return options;
}

const DirectionReport& direction(const RunReport& report, const std::string& name) {
  for (const auto& d : report.directions) {
    if (d.name == name) return d;
  }
  throw std::runtime_error("no direction " + name);
}

class LoopbackEcho : public ::testing::TestWithParam<const char*> {};

TEST_P(LoopbackEcho, FourFlowsOfTwoThousandArriveIntactBothWays) {
  if (!family_available(GetParam())) GTEST_SKIP() << GetParam() << " is not configured here";
  SinkOptions sink_options = sink_on(GetParam());
  sink_options.echo = true;
  sink_options.stop_after_flows = 4;
  SinkThread sink(sink_options);

  SenderOptions options = sender_to(sink.endpoint());
  options.flows = 4;
  options.count = 2000;
  options.echo = true;
  options.sizes = SizeDistribution::parse("64-1400");
  // Paced, so that a receiving thread descheduled for a while (tests run in parallel on two
  // cores) finds its datagrams still queued in its 4 MiB socket buffer rather than dropped.
  options.rate = parse_rate("10kpps");
  Sender sender(options);
  const std::atomic<bool> never{false};
  const RunReport sent = sender.run(never);

  const DirectionReport& out = direction(sent, "sent");
  EXPECT_EQ(out.counts.sent, 8000u);
  const DirectionReport& back = direction(sent, "echoed");
  EXPECT_EQ(back.counts.delivered, 8000u);
  EXPECT_EQ(back.counts.corrupted, 0u);
  EXPECT_EQ(back.counts.duplicated, 0u);
  EXPECT_EQ(back.counts.lost, 0u) << "kernel drops at the sender " << back.kernel_drops;
  EXPECT_EQ(back.round_trip->count(), 8000u);
  EXPECT_TRUE(sent.lossless_problems().empty()) << sent.lossless_problems().front();
  ASSERT_EQ(sent.flows.size(), 4u);
  for (const FlowReport& flow : sent.flows) EXPECT_EQ(flow.counts.delivered, 2000u) << "flow " << flow.flow;

  const RunReport& received = sink.wait();  // it stops by itself once the 4 flows ended
  EXPECT_FALSE(received.interrupted);
  const DirectionReport& in = direction(received, "received");
  EXPECT_EQ(in.flows, 4u);
  EXPECT_EQ(in.counts.sent, 8000u);
  EXPECT_EQ(in.counts.sent_source, SentSource::known);
  EXPECT_EQ(in.counts.delivered, 8000u) << "kernel drops at the sink " << in.kernel_drops;
  EXPECT_EQ(in.bytes, out.bytes);
  EXPECT_EQ(in.echo_failures, 0u);
  EXPECT_TRUE(received.lossless_problems().empty()) << received.lossless_problems().front();
  for (const FlowReport& flow : received.flows) EXPECT_EQ(flow.session, sender.session());
}

INSTANTIATE_TEST_SUITE_P(Ipv4AndIpv6, LoopbackEcho, ::testing::Values("127.0.0.1", "::1"));

TEST(Loopback, OneWaySinkLearnsTheSentCountFromEndOfFlow) {
  SinkOptions sink_options = sink_on("127.0.0.1");
  sink_options.stop_after_flows = 2;
  SinkThread sink(sink_options);
  SenderOptions options = sender_to(sink.endpoint());
  options.flows = 2;
  options.count = 500;
  options.rate = parse_rate("10kpps");
  const std::atomic<bool> never{false};
  const RunReport sent = Sender(options).run(never);
  EXPECT_EQ(sent.directions.size(), 1u) << "one-way: no echoed direction";

  const RunReport& received = sink.wait();
  const DirectionReport& in = direction(received, "received");
  EXPECT_EQ(in.counts.sent, 1000u);
  EXPECT_EQ(in.counts.sent_source, SentSource::known);
  EXPECT_EQ(in.counts.delivered, 1000u);
  EXPECT_TRUE(received.lossless());
}

TEST(Loopback, WarmupEndsOnceEveryFlowIsEchoedAndIsNeverCounted) {
  SinkOptions sink_options = sink_on("::1");
  if (!family_available("::1")) sink_options = sink_on("127.0.0.1");
  sink_options.echo = true;
  sink_options.stop_after_flows = 3;
  SinkThread sink(sink_options);
  SenderOptions options = sender_to(sink.endpoint());
  options.flows = 3;
  options.count = 100;
  options.echo = true;
  options.warmup = 30s;  // ends at the first echoes, long before this
  options.rate = parse_rate("10kpps");
  const std::atomic<bool> never{false};
  const RunReport sent = Sender(options).run(never);
  EXPECT_LT(sent.elapsed_seconds, 30.0);
  ASSERT_FALSE(sent.notes.empty());
  EXPECT_NE(sent.notes.front().find("every flow had an echo"), std::string::npos) << sent.notes.front();
  EXPECT_EQ(direction(sent, "echoed").counts.received, 300u);
  EXPECT_TRUE(sent.lossless());

  const RunReport& received = sink.wait();
  const DirectionReport& in = direction(received, "received");
  EXPECT_EQ(in.flows, 3u);
  EXPECT_EQ(in.counts.received, 300u) << "warm-up datagrams are not data";
  EXPECT_TRUE(received.lossless());
}

// Sends handcrafted datagrams from a plain socket, as a faulty path would deliver them.
class Injector {
 public:
  explicit Injector(const Endpoint& sink) : socket_(sink.family()) { socket_.connect(sink); }
  void send(const std::vector<uint8_t>& bytes) {
    ASSERT_EQ(::send(socket_.fd(), bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  }
  static std::vector<uint8_t> datagram(uint64_t seq, size_t size = 200, DatagramKind kind = DatagramKind::data) {
    std::vector<uint8_t> bytes(size);
    write_datagram({kind, 77, 0, seq, 0}, bytes);
    return bytes;
  }

 private:
  UdpSocket socket_;
};

TEST(Loopback, SinkDetectsInjectedCorruptionAndCountsEachKind) {
  SinkOptions sink_options = sink_on("127.0.0.1");
  sink_options.stop_after_flows = 1;
  SinkThread sink(sink_options);
  Injector inject(sink.endpoint());

  for (uint64_t seq = 0; seq < 10; ++seq) inject.send(Injector::datagram(seq));
  auto flipped = Injector::datagram(10);
  flipped[150] ^= 0x01;  // one bit deep in the payload
  inject.send(flipped);
  inject.send({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});  // a runt
  auto foreign = Injector::datagram(11);
  foreign[0] = 'X';  // not ours (or hit in its first byte)
  inject.send(foreign);
  auto cut = Injector::datagram(12);
  cut.pop_back();  // truncated on the way
  inject.send(cut);
  inject.send(Injector::datagram(3));  // a duplicate
  inject.send(Injector::datagram(10, kMinDatagramSize, DatagramKind::end_of_flow));

  const RunReport& received = sink.wait();
  const TrafficCounts& c = direction(received, "received").counts;
  EXPECT_EQ(c.received, 15u);
  EXPECT_EQ(c.delivered, 10u);
  EXPECT_EQ(c.duplicated, 1u);
  EXPECT_EQ(c.corrupted, 4u);
  EXPECT_EQ(c.defects[static_cast<size_t>(Defect::bad_checksum)], 1u);
  EXPECT_EQ(c.defects[static_cast<size_t>(Defect::too_short)], 1u);
  EXPECT_EQ(c.defects[static_cast<size_t>(Defect::bad_magic)], 1u);
  EXPECT_EQ(c.defects[static_cast<size_t>(Defect::bad_length)], 1u);
  EXPECT_EQ(c.lost, 0u) << "the sender announced 10, and 10 distinct arrived";
  EXPECT_FALSE(received.lossless());
}

// An echo server that damages every tenth datagram it sends back.
class CorruptingEcho {
 public:
  CorruptingEcho() : socket_(AF_INET) {
    socket_.raise_buffers(4 << 20);
    socket_.bind(resolve({"127.0.0.1", 0}, true));
    thread_ = std::thread([this] { serve(); });
  }
  ~CorruptingEcho() {
    stop_.store(true);
    thread_.join();
  }
  Endpoint endpoint() const { return socket_.local_endpoint(); }

 private:
  void serve() {
    std::vector<uint8_t> buffer(65536);
    uint64_t data_seen = 0;
    while (!stop_.load()) {
      pollfd p{socket_.fd(), POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      sockaddr_storage from{};
      socklen_t from_length = sizeof from;
      const ssize_t n = ::recvfrom(socket_.fd(), buffer.data(), buffer.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &from_length);
      if (n <= 0) continue;
      const bool data = decode_datagram({buffer.data(), static_cast<size_t>(n)}).header.kind == DatagramKind::data;
      if (data && data_seen++ % 10 == 9) buffer[static_cast<size_t>(n) - 1] ^= 0x20;
      ::sendto(socket_.fd(), buffer.data(), static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from),
               from_length);
    }
  }
  UdpSocket socket_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(Loopback, SenderCountsCorruptedEchoesAsCorruptedAndLost) {
  CorruptingEcho echo;
  SenderOptions options = sender_to(echo.endpoint());
  options.count = 300;
  options.echo = true;
  options.rate = parse_rate("5kpps");
  options.grace = 500ms;  // 30 echoes never arrive intact, so the sender waits the whole grace
  const std::atomic<bool> never{false};
  const RunReport report = Sender(options).run(never);
  const TrafficCounts& c = direction(report, "echoed").counts;
  EXPECT_EQ(c.corrupted, 30u);
  EXPECT_EQ(c.defects[static_cast<size_t>(Defect::bad_checksum)], 30u);
  EXPECT_EQ(c.delivered, 270u);
  EXPECT_EQ(c.lost, 30u);
  EXPECT_FALSE(report.lossless());
}

TEST(Loopback, StopRequestEndsADurationRunWithAReport) {
  SinkThread sink(sink_on("127.0.0.1"));
  SenderOptions options = sender_to(sink.endpoint());
  options.duration = 600s;
  options.rate = parse_rate("1kpps");
  std::atomic<bool> stop{false};
  Sender sender(options);
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    stop.store(true);
  });
  const RunReport report = sender.run(stop);
  stopper.join();
  EXPECT_TRUE(report.interrupted);
  EXPECT_GT(direction(report, "sent").counts.sent, 0u);
  const RunReport& received = sink.stop();
  EXPECT_TRUE(received.interrupted);
  EXPECT_EQ(direction(received, "received").counts.sent_source, SentSource::known)
      << "a stopped sender still announces its end";
}

TEST(Loopback, BindingATakenPortIsARuntimeError) {
  UdpSocket holder(AF_INET);
  holder.bind(resolve({"127.0.0.1", 0}, true));
  SinkOptions options;
  options.listen = holder.local_endpoint();
  try {
    Sink sink(options);
    ADD_FAILURE() << "bound a taken port";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("bind 127.0.0.1:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace phantasm::traffic
