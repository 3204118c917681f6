// Every input the engine refuses is counted under one of these reasons: nothing is dropped
// silently. The list is an X-macro so that names, counters and documentation stay in step.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace phantasm {

// X(identifier, "stable-name", "what it means")
#define PHANTASM_DROP_REASONS(X)                                                                \
  /* IP layer */                                                                                \
  X(kEmpty, "empty", "zero-length packet")                                                      \
  X(kBadIpVersion, "bad-ip-version", "IP version nibble is neither 4 nor 6")                   \
  X(kIpv4Truncated, "ipv4-truncated", "shorter than its IPv4 header or total length")          \
  X(kIpv4BadIhl, "ipv4-bad-ihl", "IPv4 IHL below 5")                                           \
  X(kIpv4BadTotalLength, "ipv4-bad-total-length", "IPv4 total length below header length")     \
  X(kIpv4BadOptions, "ipv4-bad-options", "malformed IPv4 option list")                         \
  X(kIpv4BadChecksum, "ipv4-bad-checksum", "IPv4 header checksum mismatch")                    \
  X(kIpFragment, "ip-fragment", "IP fragment (MF set, offset, or IPv6 fragment header)")       \
  X(kIpv6Truncated, "ipv6-truncated", "shorter than its IPv6 header or payload length")        \
  X(kIpv6BadExtension, "ipv6-bad-extension", "truncated or unsupported IPv6 extension header") \
  X(kNotTcp, "not-tcp", "transport protocol is not TCP")                                       \
  X(kBadAddress, "bad-address", "multicast, broadcast or unspecified address")                 \
  /* TCP layer */                                                                               \
  X(kTcpTruncated, "tcp-truncated", "shorter than the TCP header or its data offset")          \
  X(kTcpBadDataOffset, "tcp-bad-data-offset", "TCP data offset below 5")                       \
  X(kTcpBadOptions, "tcp-bad-options", "malformed TCP option list")                            \
  X(kTcpBadChecksum, "tcp-bad-checksum", "TCP checksum mismatch")                              \
  X(kTcpBadFlags, "tcp-bad-flags", "flag combination no TCP sends (none, SYN+FIN, SYN+RST...)") \
  X(kTcpBadPort, "tcp-bad-port", "source or destination port 0")                               \
  /* engine */                                                                                  \
  X(kIcmpTooBig, "icmp-too-big", "ICMP fragmentation needed / ICMPv6 packet too big about a TCP packet") \
  X(kNoConnection, "no-connection", "segment for an unknown 4-tuple")                          \
  X(kNotListening, "not-listening", "SYN to a port the server does not listen on")             \
  X(kUnexpectedSegment, "unexpected-segment", "segment the connection's state cannot use")    \
  X(kBadHandshakeAck, "bad-handshake-ack", "handshake reply acknowledging the wrong sequence") \
  X(kRstOutOfWindow, "rst-out-of-window", "RST with a sequence number outside the window")     \
  X(kRstChallenged, "rst-challenged", "in-window RST answered with a challenge ACK")           \
  X(kDataOutOfWindow, "data-out-of-window", "data segment outside the acceptance window")      \
  X(kEmptyDatagram, "empty-datagram", "zero-length UDP datagram: fake TCP cannot carry it")     \
  X(kAckUnsent, "ack-unsent", "segment acknowledging data this end never sent")               \
  X(kAckTooOld, "ack-too-old", "segment acknowledging data further back than the window")     \
  X(kHalfOpenLimit, "half-open-limit", "SYN refused: too many half-open connections")          \
  X(kFlowLimit, "flow-limit", "new flow refused: flow table full")                             \
  X(kPortsExhausted, "ports-exhausted", "no free client port for a new connection")            \
  X(kDatagramTooLarge, "datagram-too-large", "datagram larger than the configured maximum")    \
  X(kHandshakeFailed, "handshake-failed", "datagram queued for a handshake that failed")       \
  X(kPendingQueueFull, "pending-queue-full", "datagram arrived while the handshake queue was full") \
  X(kFlowClosed, "flow-closed", "datagram for a flow that no longer exists")                   \
  X(kPeerWindowFull, "peer-window-full", "datagram would overrun a window stripped of scaling")  \
  X(kPathDown, "path-down", "datagram while the flow's path is down (reconnecting or waiting)") \
  X(kNoHeadroom, "no-headroom", "host buffer without room for the headers")

enum class DropReason : uint8_t {
#define PHANTASM_X(id, name, doc) id,
  PHANTASM_DROP_REASONS(PHANTASM_X)
#undef PHANTASM_X
};

inline constexpr size_t kDropReasonCount = 0
#define PHANTASM_X(id, name, doc) +1
    PHANTASM_DROP_REASONS(PHANTASM_X)
#undef PHANTASM_X
    ;

constexpr std::string_view to_string(DropReason r) {
  constexpr std::array<std::string_view, kDropReasonCount> names = {
#define PHANTASM_X(id, name, doc) name,
      PHANTASM_DROP_REASONS(PHANTASM_X)
#undef PHANTASM_X
  };
  return names[static_cast<size_t>(r)];
}

constexpr std::string_view describe(DropReason r) {
  constexpr std::array<std::string_view, kDropReasonCount> docs = {
#define PHANTASM_X(id, name, doc) doc,
      PHANTASM_DROP_REASONS(PHANTASM_X)
#undef PHANTASM_X
  };
  return docs[static_cast<size_t>(r)];
}

// Drop counts indexed by reason.
class DropCounters {
 public:
  void count(DropReason r, uint64_t n = 1) { counts_[static_cast<size_t>(r)] += n; }
  uint64_t operator[](DropReason r) const { return counts_[static_cast<size_t>(r)]; }
  uint64_t total() const {
    uint64_t sum = 0;
    for (auto c : counts_) sum += c;
    return sum;
  }
  DropCounters& operator+=(const DropCounters& other) {
    for (size_t i = 0; i < kDropReasonCount; ++i) counts_[i] += other.counts_[i];
    return *this;
  }

 private:
  std::array<uint64_t, kDropReasonCount> counts_{};
};

}  // namespace phantasm
