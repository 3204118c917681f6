#include "harness/traffic/tool/sink.h"

#include <netinet/in.h>
#include <poll.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "harness/traffic/tool/clock.h"
#include "harness/traffic/tool/progress.h"

namespace phantasm::traffic {
namespace {

constexpr size_t kReceiveCapacity = 65536;  // any UDP datagram fits: nothing is truncated
constexpr uint64_t kPollIntervalNs = 100'000'000;
constexpr size_t kFinalDrainBatches = 256;
constexpr size_t kPeersNoted = 8;  // the report names at most this many sources of bad datagrams

uint64_t load_u64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

size_t Sink::PeerKeyHash::operator()(const PeerKey& key) const {
  uint64_t h = key.high * 0x9E3779B97F4A7C15ULL ^ key.low;
  h = (h ^ (h >> 31)) * 0xBF58476D1CE4E5B9ULL ^ key.port_and_family;
  return static_cast<size_t>(h ^ (h >> 29));
}

Sink::PeerKey Sink::key_of(const Endpoint& endpoint) {
  PeerKey key;
  key.port_and_family = uint32_t{endpoint.port()} << 16 | static_cast<uint16_t>(endpoint.family());
  if (endpoint.family() == AF_INET) {
    key.low = reinterpret_cast<const sockaddr_in*>(&endpoint.storage)->sin_addr.s_addr;
  } else if (endpoint.family() == AF_INET6) {
    const uint8_t* address = reinterpret_cast<const sockaddr_in6*>(&endpoint.storage)->sin6_addr.s6_addr;
    key.high = load_u64(address);
    key.low = load_u64(address + 8);
  }
  return key;
}

Sink::Sink(SinkOptions options)
    : options_(std::move(options)),
      socket_(options_.listen.family()),
      batch_(options_.batch, kReceiveCapacity),
      receiver_(options_.limits) {
  granted_ = socket_.raise_buffers(options_.socket_buffer);
  socket_.enable_drop_counter();
  socket_.bind(options_.listen);
}

uint32_t Sink::peer_id(const Endpoint& source) {
  const PeerKey key = key_of(source);
  const auto [entry, inserted] = peer_ids_.try_emplace(key, static_cast<uint32_t>(peers_.size()));
  if (inserted) peers_.push_back(source);
  return entry->second;
}

void Sink::receive_batch(size_t count) {
  const uint64_t now = monotonic_ns();
  kernel_drops_ = std::max(kernel_drops_, batch_.kernel_drops());
  for (size_t i = 0; i < count; ++i) {
    const auto bytes = batch_.datagram(i);
    receiver_.on_datagram(peer_id(batch_.source(i)), bytes, now);
  }
  if (options_.echo) echo_failures_ += count - batch_.echo(socket_.fd(), count);
}

RunReport Sink::run(const std::atomic<bool>& stop) {
  const uint64_t start_ns = monotonic_ns();
  ProgressLine progress(options_.progress, start_ns);
  const uint64_t deadline = options_.duration ? start_ns + static_cast<uint64_t>(options_.duration->count()) : UINT64_MAX;
  uint64_t linger_end = UINT64_MAX;

  for (uint64_t now = start_ns; !stop.load() && now < deadline && now < linger_end; now = monotonic_ns()) {
    const uint64_t wait_ns = std::min({kPollIntervalNs, deadline - now, linger_end - now});
    pollfd p{socket_.fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>((wait_ns + 999'999) / 1'000'000)) > 0) {
      for (size_t n = batch_.receive(socket_.fd()); n > 0; n = batch_.receive(socket_.fd())) {
        receive_batch(n);
        if (n < batch_.capacity() || stop.load()) break;
      }
    }
    now = monotonic_ns();
    if (options_.stop_after_flows > 0 && linger_end == UINT64_MAX &&
        receiver_.ended_flows() >= options_.stop_after_flows) {
      linger_end = now + static_cast<uint64_t>(options_.linger.count());
    }
    if (progress.due(now)) progress.print(now, progress_text(progress.interval_seconds()));
  }
  // What the kernel already queued for us arrived before the end: count it (bounded, in case a
  // sender is still going at full speed).
  for (size_t round = 0; round < kFinalDrainBatches; ++round) {
    const size_t n = batch_.receive(socket_.fd());
    if (n > 0) receive_batch(n);
    if (n < batch_.capacity()) break;
  }
  return build_report(start_ns, monotonic_ns(), stop.load());
}

std::string Sink::progress_text(double interval_s) {
  const TrafficCounts c = receiver_.totals();
  return fmt::format("flows {} (ended {})  received {} ({})  lost {}  corrupted {}  duplicated {}  kernel drops {}",
                     receiver_.flow_count(), receiver_.ended_flows(), c.received,
                     rate_.update(c.delivered, c.delivered_bytes, interval_s), c.lost, c.corrupted, c.duplicated,
                     kernel_drops_);
}

RunReport Sink::build_report(uint64_t start_ns, uint64_t end_ns, bool interrupted) const {
  RunReport report;
  report.mode = "sink";
  report.elapsed_seconds = static_cast<double>(end_ns - start_ns) * 1e-9;
  report.interrupted = interrupted;
  report.settings = {
      {"listen", local_endpoint().to_string()},
      {"echo", options_.echo ? "yes" : "no"},
      {"duration_s", options_.duration ? fmt::format("{:g}", static_cast<double>(options_.duration->count()) * 1e-9)
                                       : "-"},
      {"stop_after_flows", std::to_string(options_.stop_after_flows)},
      {"receive_buffer", std::to_string(granted_.receive)},
      {"send_buffer", std::to_string(granted_.send)},
  };
  DirectionReport received;
  received.name = "received";
  received.flows = receiver_.flow_count();
  received.counts = receiver_.totals();
  received.packets = received.counts.delivered;
  received.bytes = received.counts.delivered_bytes;
  received.seconds = static_cast<double>(received.counts.last_arrival_ns - received.counts.first_arrival_ns) * 1e-9;
  received.kernel_drops = kernel_drops_;
  received.echo_failures = echo_failures_;
  received.refused = batch_.refused();
  report.directions.push_back(received);

  receiver_.for_each_flow([&](const FlowKey& key, const TrafficCounts& counts) {
    report.flows.push_back({"received", peers_[key.peer].to_string(), key.session, key.flow, counts});
  });
  size_t peers_noted = 0;
  for (const auto& [peer, counts] : receiver_.peer_counts()) {
    if (++peers_noted > kPeersNoted) {
      report.notes.push_back(fmt::format("... and {} more sources with such datagrams (see the totals)",
                                         receiver_.peer_counts().size() - kPeersNoted));
      break;
    }
    report.notes.push_back(fmt::format("{}: {} corrupted and {} untracked datagrams not attributable to a flow",
                                       peers_[peer].to_string(), counts.corrupted, counts.untracked));
  }
  if (granted_.receive < options_.socket_buffer) {
    report.notes.push_back(fmt::format("receive buffer is {} bytes, asked for {}: as root udpgen can force it, "
                                       "otherwise raise net.core.rmem_max", granted_.receive, options_.socket_buffer));
  }
  return report;
}

}  // namespace phantasm::traffic
