// libFuzzer target for the engine: the input is a program of operations (packets from the
// network to either end, datagrams from local applications, time passing, delivery of what the
// ends sent each other). Checks that nothing crashes and that every datagram handed to the
// client is either sent or counted under a drop reason.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "engine/endpoint/endpoint.h"

namespace {

using namespace phantasm;

class QueueSink : public EngineSink {
 public:
  void send_packet(std::span<const uint8_t> packet) override {
    if (queue.size() < 64) queue.emplace_back(packet.begin(), packet.end());
  }
  void deliver_datagram(FlowId, std::span<const uint8_t> payload) override {
    // Touch every byte: ASan proves the view lies inside a live packet.
    volatile uint8_t sink = 0;
    for (uint8_t b : payload) sink = sink ^ b;
    (void)sink;
  }
  void flow_opened(FlowId flow, const FlowInfo&) override { last_opened = flow; }
  void flow_closed(FlowId, CloseReason) override {}
  std::vector<std::vector<uint8_t>> queue;
  FlowId last_opened;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}
  bool empty() const { return pos_ >= in_.size(); }
  uint8_t byte() { return empty() ? 0 : in_[pos_++]; }
  std::span<const uint8_t> bytes(size_t n) {
    n = std::min(n, in_.size() - pos_);
    auto out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

 private:
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

// Drops of datagrams (not of packets). flow-limit and half-open-limit name a refused new flow:
// on the client that is a datagram's flow, on the server a SYN's, so they count only for clients.
uint64_t datagram_drops(const DropCounters& d, Role role) {
  uint64_t n = 0;
  for (auto r : {DropReason::kEmptyDatagram, DropReason::kDatagramTooLarge, DropReason::kNoHeadroom,
                 DropReason::kPortsExhausted, DropReason::kPendingQueueFull, DropReason::kHandshakeFailed,
                 DropReason::kFlowClosed, DropReason::kPathDown, DropReason::kPeerWindowFull}) {
    n += d[r];
  }
  if (role == Role::kClient) n += d[DropReason::kFlowLimit] + d[DropReason::kHalfOpenLimit];
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in({data, size});
  EngineConfig ccfg;
  ccfg.role = Role::kClient;
  ccfg.remote = *SocketAddress::parse("10.0.0.2:4567");
  ccfg.max_pending_datagrams = 4;
  EngineConfig scfg;
  scfg.role = Role::kServer;
  scfg.listen_ports = {4567};
  scfg.max_half_open = 8;
  scfg.max_flows = 16;
  QueueSink csink, ssink;
  Endpoint client(ccfg, 1, csink);
  Endpoint server(scfg, 2, ssink);
  Time now{};
  std::vector<uint8_t> buffer(wire::kHeadroom + 2048);

  while (!in.empty()) {
    const uint8_t op = in.byte();
    switch (op % 7) {
      case 0:
      case 1: {  // raw bytes from the network; half the time with checksums trusted so that
                 // mutated headers reach the state machine
        const size_t len = in.byte() | static_cast<size_t>(in.byte() & 0x07) << 8;
        auto pkt = in.bytes(len);
        std::vector<uint8_t> copy(pkt.begin(), pkt.end());  // exact-size: ASan catches overreads
        const auto policy = (op & 0x10) ? wire::ChecksumPolicy::kTrust : wire::ChecksumPolicy::kVerify;
        (op % 7 == 0 ? server : client).on_network_packet(copy, now, policy);
        break;
      }
      case 2: {  // a datagram from one of four local applications
        const uint16_t port = static_cast<uint16_t>(5000 + (in.byte() & 3));
        const size_t len = in.byte() | static_cast<size_t>(in.byte() & 0x07) << 8;
        auto body = in.bytes(len);
        std::copy(body.begin(), body.end(), buffer.begin() + wire::kHeadroom);
        client.on_udp_datagram(SocketAddress{*IpAddress::parse("127.0.0.1"), port},
                               DatagramBuffer{buffer, wire::kHeadroom, body.size()}, now);
        break;
      }
      case 3: {  // a reply from the server's UDP side on the last opened flow
        const size_t len = in.byte();
        auto body = in.bytes(len);
        std::copy(body.begin(), body.end(), buffer.begin() + wire::kHeadroom);
        server.on_udp_datagram(ssink.last_opened, DatagramBuffer{buffer, wire::kHeadroom, body.size()}, now);
        break;
      }
      case 4: {  // time passes
        now = now + std::chrono::milliseconds(static_cast<int64_t>(in.byte()) * 50 + in.byte());
        client.on_timer(now);
        server.on_timer(now);
        break;
      }
      case 5: {  // the network delivers what each side sent, possibly corrupting one byte
        const uint8_t corrupt_at = in.byte();
        const uint8_t corrupt_with = in.byte();
        auto to_server = std::exchange(csink.queue, {});
        auto to_client = std::exchange(ssink.queue, {});
        for (auto& p : to_server) {
          if (corrupt_at < p.size() && (op & 0x20)) p[corrupt_at] ^= corrupt_with;
          server.on_network_packet(p, now, (op & 0x10) ? wire::ChecksumPolicy::kTrust : wire::ChecksumPolicy::kVerify);
        }
        for (auto& p : to_client) client.on_network_packet(p, now);
        break;
      }
      case 6:
        if (op & 0x40) {
          server.close_all(now);
        } else {
          client.close_flow(FlowId{in.byte() & 3u, 0}, now);
        }
        break;
    }
  }
  client.close_all(now);
  server.close_all(now);

  // Nothing lost silently: every datagram given to an endpoint was sent or counted.
  for (const Endpoint* e : {&client, &server}) {
    const auto& c = e->counters();
    if (c.datagrams_received != c.traffic.datagrams_sent + datagram_drops(c.drops, e->config().role)) std::abort();
    // Every timer moves its connection's deadline forward (an engine that does not would spin).
    if (c.timer_stalls != 0) std::abort();
  }
  if (client.flow_count() != 0 || server.flow_count() != 0) std::abort();
  return 0;
}
