// WindowChecker: a conntrack-like TCP window tracker (middleboxes.md §B.2, after Linux 6.x
// nf_conntrack_proto_tcp.c tcp_in_window), as a middlebox that counts the segments a strict
// Linux firewall would classify INVALID or IGNORED. It follows each connection from its SYN and
// keeps per direction td_end (highest seq+len sent), td_maxend (highest ack+window the peer
// allowed), td_maxwin (largest window) and td_scale. A segment is accepted when all four hold:
//   - seq upper bound: seq+len <= the sender's td_maxend (the receiver's ack + window);
//     overshooting by no more than one receiver window is IGNORED (the kernel's "N bytes more
//     than expected"), further is INVALID ("SEQ is over upper bound")
//   - ack upper bound: ack <= the receiver's td_end, else INVALID ("ACK is over upper bound",
//     acknowledging data never seen)
//   - seq lower bound: not older than one receiver window, else IGNORED
//   - ack lower bound: not older than max(td_maxwin, 66000), else IGNORED
// Window scaling counts only when both the SYN and the SYN-ACK carry Window Scale; otherwise
// both directions use unscaled windows (at most 65535). Handshake windows are never scaled, so
// until the SYN-ACK's receiver hears a scaled window its bound is ack + 65535.
//
// Not modelled: timeouts, retransmission counting, SACK, FIN states, be_liberal. The upper
// bound is checked on seq+len by default (Linux checks seq alone, which lets one segment
// overshoot): stricter, so "zero INVALID here" implies zero INVALID in Linux.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/wire/ip_address.h"
#include "harness/memwire/middlebox.h"

namespace phantasm::memwire {

enum class Verdict : uint8_t { kAccept, kIgnore, kInvalid };

#define PHANTASM_CONNTRACK_RULES(X)                                                      \
  X(kMalformed, "malformed", kInvalid)                   /* unparsable or bad checksum */ \
  X(kNoConnection, "no-connection", kInvalid)            /* not a SYN, nothing tracked */ \
  X(kAckOverUpperBound, "ack-over-upper-bound", kInvalid)                                 \
  X(kSeqOverUpperBound, "seq-over-upper-bound", kInvalid)                                 \
  X(kSeqOvershoot, "seq-overshoot", kIgnore) /* over the bound by <= one window */        \
  X(kSeqUnderLowerBound, "seq-under-lower-bound", kIgnore)                                \
  X(kAckUnderLowerBound, "ack-under-lower-bound", kIgnore)                                \
  X(kSynInEstablished, "syn-in-established", kIgnore)                                     \
  X(kAckInSynSent, "ack-in-syn-sent", kIgnore) /* reply ACK before the SYN-ACK */         \
  X(kSynAckFromOriginal, "syn-ack-from-original", kInvalid)

enum class ConntrackRule : uint8_t {
#define PHANTASM_X(id, name, verdict) id,
  PHANTASM_CONNTRACK_RULES(PHANTASM_X)
#undef PHANTASM_X
};
inline constexpr size_t kConntrackRuleCount = 0
#define PHANTASM_X(id, name, verdict) +1
    PHANTASM_CONNTRACK_RULES(PHANTASM_X)
#undef PHANTASM_X
    ;
std::string_view to_string(ConntrackRule rule);
Verdict verdict_of(ConntrackRule rule);

enum class UpperBound : uint8_t {
  kSegmentEnd,    // seq + len <= td_maxend (default; stricter than Linux)
  kSegmentStart,  // seq <= td_maxend (Linux)
};

struct WindowCheckerConfig {
  UpperBound upper_bound = UpperBound::kSegmentEnd;
  bool loose = false;         // pick up connections mid-stream instead of calling them INVALID
  bool drop_invalid = false;  // like `ct state invalid drop`
  size_t log_limit = 32;      // how many anomalies to describe in log()
};

struct WindowCheckerStats {
  uint64_t packets = 0;
  uint64_t accepted = 0;
  uint64_t ignored = 0;
  uint64_t invalid = 0;
  uint64_t dropped = 0;      // INVALID and drop_invalid
  uint64_t picked_up = 0;    // loose mid-stream pickups
  uint64_t connections = 0;  // entries created
  std::array<uint64_t, kConntrackRuleCount> by_rule{};

  uint64_t count(ConntrackRule r) const { return by_rule[static_cast<size_t>(r)]; }
};

enum class ConntrackState : uint8_t { kSynSent, kSynRecv, kEstablished };

// One direction's tracking data, named as in the kernel.
struct TrackedSide {
  uint32_t td_end = 0;
  uint32_t td_maxend = 0;
  uint32_t td_maxwin = 0;
  uint8_t td_scale = 0;
  bool window_scale_seen = false;
  bool data_unacknowledged = false;
};

struct TrackedConnection {
  FourTuple original;  // local = the SYN's sender
  ConntrackState state = ConntrackState::kSynSent;
  bool liberal = false;  // picked up mid-stream: not window-checked
  std::array<TrackedSide, 2> side;  // [0] original direction (SYN sender), [1] reply
};

class WindowChecker {
 public:
  explicit WindowChecker(WindowCheckerConfig config = {}) : config_(config) {}

  void operator()(Direction dir, std::span<const uint8_t> packet, const Emit& emit);
  // The classification alone, without forwarding (unit tests, other hosts).
  Verdict inspect(std::span<const uint8_t> packet);

  const WindowCheckerStats& stats() const { return stats_; }
  // Human-readable lines for the first anomalies (what, where, the numbers involved).
  const std::vector<std::string>& log() const { return log_; }
  std::vector<TrackedConnection> connections() const;

 private:
  struct Observed;  // the fields of one parsed segment that the rules use
  Verdict classify(const Observed& seg, TrackedConnection& conn, size_t dir, bool& close);
  Verdict note(ConntrackRule rule, const std::string& detail);

  WindowCheckerConfig config_;
  WindowCheckerStats stats_;
  std::vector<std::string> log_;
  std::unordered_map<FourTuple, TrackedConnection> table_;
};

}  // namespace phantasm::memwire
