// The udpgen datagram: a 40-byte header followed by a deterministic pattern.
//
//   offset  size  field
//        0     4  magic "PTG1" (Phantasm Traffic Generator, format 1)
//        4     1  kind: 1 = data, 2 = end of flow (seq then carries the number of data datagrams
//                 the flow sent, so a one-way sink can count losses at the tail too), 3 = warm-up
//                 (sent before the data so a tunnel can set up its connection; never counted)
//        5     1  reserved, zero
//        6     2  payload length: bytes after the header (the datagram is header + payload)
//        8     4  session: random per sender run, so a re-run from a reused port is a new flow
//       12     4  flow id: 0..N-1 within a session
//       16     8  sequence number: 0, 1, 2, ... per flow (kind data)
//       24     8  send timestamp, nanoseconds on the sender's clock (echo round-trip times)
//       32     8  checksum: Hash64 of the whole datagram with this field read as zero
//       40     -  payload: fill_pattern(session, flow, seq)
//
// All fields are big-endian. Whatever arrives is either decoded into a trustworthy header or
// rejected with exactly one Defect; a receiver counts every Defect as "corrupted".
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace phantasm::traffic {

inline constexpr size_t kHeaderSize = 40;
inline constexpr size_t kMinDatagramSize = kHeaderSize;
// The largest UDP payload over IPv4 (65535 - 20 - 8); the length field could hold a little more.
inline constexpr size_t kMaxDatagramSize = 65507;
inline constexpr uint32_t kMagic = 0x50544731;  // "PTG1"

enum class DatagramKind : uint8_t { data = 1, end_of_flow = 2, warmup = 3 };

struct DatagramHeader {
  DatagramKind kind = DatagramKind::data;
  uint32_t session = 0;
  uint32_t flow = 0;
  uint64_t seq = 0;
  uint64_t send_ns = 0;
};

// Why a datagram was rejected, in the order the checks run.
enum class Defect : uint8_t {
  too_short,     // fewer than kHeaderSize bytes
  bad_magic,     // not a udpgen datagram (or its first bytes were hit)
  bad_header,    // unknown kind or nonzero reserved byte
  bad_length,    // header + payload length != bytes received (truncated or padded)
  bad_checksum,  // some byte changed
  bad_pattern,   // payload differs from the pattern its header names
  // Never returned by decode_datagram: an intact datagram of another session or flow arrived
  // where a receiver expected only one (a sender's echo socket). Counted as corrupted too.
  misdirected,
};
inline constexpr size_t kDefectCount = 7;
std::string_view defect_name(Defect defect);

// Writes a complete datagram of out.size() bytes (kMinDatagramSize..kMaxDatagramSize; the
// caller guarantees it) and returns out.size().
size_t write_datagram(const DatagramHeader& header, std::span<uint8_t> out);

// The result of decoding: `header` is meaningful only when `ok`.
struct Decoded {
  bool ok = false;
  Defect defect = Defect::too_short;
  DatagramHeader header;
  size_t size = 0;  // bytes received

  static Decoded rejected(Defect d, size_t size) { return {false, d, {}, size}; }
};

// Checks everything: length, magic, header fields, checksum, and the payload pattern.
Decoded decode_datagram(std::span<const uint8_t> bytes);

}  // namespace phantasm::traffic
