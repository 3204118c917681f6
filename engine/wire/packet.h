// IP + TCP packets: the checked parse of what arrives from the network, and the emit of what
// the engine sends, written in front of a payload that already sits in the caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "engine/core/drop_reason.h"
#include "engine/core/result.h"
#include "engine/wire/ip_address.h"
#include "engine/wire/tcp.h"

namespace phantasm::wire {

// Room the host leaves in front of every payload: a virtio_net_hdr (up to 12 bytes), IPv6 (40),
// TCP (20) and the SYN options (4), rounded up so that payloads stay 16-byte aligned.
inline constexpr size_t kHeadroom = 80;

// The hello a Phantasm end adds to its SYN and SYN-ACK so that the other end can tell it from
// Phantun (which ignores options it does not know). A shared experimental option (RFC 6994):
// kind 253, length 12, ExID 0x7068, version, flags, a 48-bit session id.
struct PhantasmHello {
  uint8_t version = 1;
  uint8_t flags = 0;
  uint64_t session = 0;  // 48 bits: names the client's flow across re-handshakes
  friend bool operator==(const PhantasmHello&, const PhantasmHello&) = default;
};
inline constexpr uint16_t kPhantasmExId = 0x7068;
inline constexpr uint8_t kPhantasmHelloLen = 12;
inline constexpr uint64_t kSessionMask = (uint64_t{1} << 48) - 1;
// Hello flag, SYN-ACK only: the client's SYN reached the server without its window scale, so
// scaling is off for everything on the path even if the SYN-ACK keeps its option.
inline constexpr uint8_t kHelloSynLackedWindowScale = 0x01;

struct TcpOptions {
  std::optional<uint8_t> window_scale;  // clamped to 14
  std::optional<PhantasmHello> phantasm;
  std::optional<uint16_t> mss;
  bool sack_permitted = false;
  bool timestamps = false;
};

// A parsed, validated segment. `payload` points into the packet it was parsed from.
struct Segment {
  IpVersion version = IpVersion::kV4;
  IpAddress src;
  IpAddress dst;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  TcpOptions options;
  std::span<const uint8_t> payload;

  bool has(uint8_t f) const { return (flags & f) == f; }
  // The connection's tuple as seen by the receiver of this segment.
  FourTuple receiver_tuple() const { return {{dst, dst_port}, {src, src_port}}; }
};

enum class ChecksumPolicy : uint8_t {
  kVerify,  // verify the IPv4 header and TCP checksums (packets from the network)
  kTrust,   // the kernel already verified them (virtio_net_hdr VIRTIO_NET_HDR_F_DATA_VALID)
};

// Parses an IPv4 or IPv6 packet carrying TCP. Every rejection names its reason. Trailing bytes
// beyond the IP length (link padding) are ignored.
Result<Segment, DropReason> parse_packet(std::span<const uint8_t> packet,
                                         ChecksumPolicy policy = ChecksumPolicy::kVerify);

// Validates a TCP option list (each option within bounds, lengths >= 2 where present) and
// extracts the ones the engine cares about.
Result<TcpOptions, DropReason> parse_tcp_options(std::span<const uint8_t> options);

// What to put in the headers of an outgoing segment. The IP fields that are not listed are
// Phantun's fixed values: IPv4 TOS 0, ID 0, DF, TTL 64; IPv6 class 0, flow label 0, hop limit 64.
struct SegmentHeader {
  IpAddress src;
  IpAddress dst;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0xFFFF;
  // When set, the TCP header carries NOP + Window Scale (`01 03 03 shift`), as Phantun's SYN and
  // SYN-ACK do; otherwise no options.
  std::optional<uint8_t> window_scale;
  // When set (and window_scale too), the Phantasm hello follows the window scale option.
  std::optional<PhantasmHello> phantasm;
};

inline constexpr uint8_t kIpTtl = 64;

enum class ChecksumMode : uint8_t {
  kFull,     // compute the TCP checksum over pseudo-header, header and payload
  kPartial,  // only the pseudo-header sum, for VIRTIO_NET_HDR_F_NEEDS_CSUM offload
};

size_t header_length(const SegmentHeader& h);

// Writes the IP and TCP headers immediately in front of buffer[payload_offset], where
// `payload_len` bytes of payload already are, and returns the whole packet (a sub-span of
// `buffer`). Fails with kNoHeadroom when payload_offset < header_length(h), and with
// kDatagramTooLarge when the packet would not fit an IP length field or the buffer.
Result<std::span<uint8_t>, DropReason> emit_in_front(std::span<uint8_t> buffer, size_t payload_offset,
                                                     size_t payload_len, const SegmentHeader& h,
                                                     ChecksumMode mode = ChecksumMode::kFull);

// Emits a segment without payload at the start of `buffer` (SYN, ACK, RST...).
Result<std::span<uint8_t>, DropReason> emit_bare(std::span<uint8_t> buffer, const SegmentHeader& h);

}  // namespace phantasm::wire
