#include "harness/middlebox/dpi_reset.h"

#include <algorithm>
#include <chrono>

#include "engine/wire/tcp.h"
#include "harness/middlebox/rst_injector.h"

namespace phantasm::middlebox {
namespace {
constexpr size_t kMaxConnections = 16384;
constexpr Duration kResetInterval = std::chrono::milliseconds(100);
}  // namespace

bool DpiReset::recognised(std::span<const uint8_t> payload) const {
  return std::any_of(allowed_.begin(), allowed_.end(), [&](const std::string& prefix) {
    return payload.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), payload.begin(),
                                                        [](char a, uint8_t b) { return static_cast<uint8_t>(a) == b; });
  });
}

void DpiReset::reset_both(Direction dir, const TcpFields& f, Conn& c, Time now, Outputs& out) {
  if (c.reset_sent && now - c.last_reset < kResetInterval) return;
  c.reset_sent = true;
  c.last_reset = now;
  const SocketAddress sender{f.src, f.src_port};
  const SocketAddress receiver{f.dst, f.dst_port};
  // To the receiver, as if from the sender, at the sender's sequence number; back to the
  // sender, as if from the receiver, at what the sender acknowledged.
  inject(dir, make_rst(sender, receiver, f.seq), out);
  if (f.flags & wire::tcp::flag::kAck) inject(reverse(dir), make_rst(receiver, sender, f.ack), out);
}

void DpiReset::on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out) {
  ++counters_.seen;
  const auto f = read_tcp(packet);
  if (!f) {
    pass(dir, packet, out);
    return;
  }
  const FlowKey key = flow_key(dir, *f);
  if ((f->flags & wire::tcp::flag::kSyn) && !(f->flags & wire::tcp::flag::kAck)) {
    if (conns_.size() >= kMaxConnections) conns_.clear();
    conns_[key] = Conn{};  // a new connection (or a reused tuple) is judged afresh
  }
  auto it = conns_.find(key);
  if (it == conns_.end()) it = conns_.emplace(key, Conn{}).first;
  Conn& c = it->second;
  if (c.verdict == Verdict::kUndecided && f->payload_len > 0) {
    c.verdict = recognised(f->payload) ? Verdict::kAllowed : Verdict::kBlocked;
    ++(c.verdict == Verdict::kAllowed ? allowed_count_ : blocked_);
  }
  if (c.verdict == Verdict::kBlocked && f->payload_len > 0) {
    drop();
    reset_both(dir, *f, c, now, out);
    return;
  }
  pass(dir, packet, out);
}

}  // namespace phantasm::middlebox
