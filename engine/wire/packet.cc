#include "engine/wire/packet.h"

#include <algorithm>

#include "engine/wire/checksum.h"
#include "engine/wire/ipv4.h"
#include "engine/wire/ipv6.h"

namespace phantasm::wire {
namespace {

// IPv4 options (RFC 791 §3.1): single-byte EOL and NOP, everything else type-length-value with
// length >= 2 covering the type and length bytes.
bool ipv4_options_well_formed(std::span<const uint8_t> opts) {
  size_t i = 0;
  while (i < opts.size()) {
    const uint8_t type = opts[i];
    if (type == 0) return true;  // end of list; the rest is padding
    if (type == 1) {
      ++i;
      continue;
    }
    if (i + 1 >= opts.size()) return false;
    const uint8_t len = opts[i + 1];
    if (len < 2 || i + len > opts.size()) return false;
    i += len;
  }
  return true;
}

// Flag combinations Linux conntrack accepts (nf_conntrack_proto_tcp.c tcp_valid_flags), with
// PSH, ECE and CWR ignored: what a real TCP can send. Anything else is a probe or garbage.
bool tcp_flags_valid(uint8_t flags) {
  using namespace tcp::flag;
  const uint8_t core = flags & static_cast<uint8_t>(~(kPsh | kEce | kCwr));
  switch (core) {
    case kSyn:
    case kSyn | kUrg:
    case kSyn | kAck:
    case kRst:
    case kRst | kAck:
    case kFin | kAck:
    case kFin | kAck | kUrg:
    case kAck:
    case kAck | kUrg:
      return true;
    default:
      return false;
  }
}

Result<Segment, DropReason> parse_tcp(std::span<const uint8_t> tcp_bytes, Segment seg,
                                      ChecksumPolicy policy) {
  if (tcp_bytes.size() < tcp::kMinHeaderLen) return Err(DropReason::kTcpTruncated);
  const tcp::View t(tcp_bytes);
  const size_t doff = t.header_len();
  if (doff < tcp::kMinHeaderLen) return Err(DropReason::kTcpBadDataOffset);
  if (doff > tcp_bytes.size()) return Err(DropReason::kTcpTruncated);
  if (policy == ChecksumPolicy::kVerify) {
    const uint64_t sum = checksum_add(tcp_bytes, pseudo_header_sum(seg.src, seg.dst, tcp::kProtocolNumber,
                                                                   static_cast<uint32_t>(tcp_bytes.size())));
    if (checksum_fold(sum) != 0xFFFF) return Err(DropReason::kTcpBadChecksum);
  }
  if (!tcp_flags_valid(t.flags())) return Err(DropReason::kTcpBadFlags);
  seg.src_port = t.src_port();
  seg.dst_port = t.dst_port();
  if (seg.src_port == 0 || seg.dst_port == 0) return Err(DropReason::kTcpBadPort);
  auto opts = parse_tcp_options(t.options());
  if (!opts) return Err(opts.error());
  seg.seq = t.seq();
  seg.ack = t.ack();
  seg.flags = t.flags();
  seg.window = t.window();
  seg.options = *opts;
  seg.payload = tcp_bytes.subspan(doff);
  return seg;
}

Result<Segment, DropReason> parse_v4(std::span<const uint8_t> packet, ChecksumPolicy policy) {
  if (packet.size() < ipv4::kMinHeaderLen) return Err(DropReason::kIpv4Truncated);
  const ipv4::View ip(packet);
  const size_t ihl = ip.header_len();
  if (ihl < ipv4::kMinHeaderLen) return Err(DropReason::kIpv4BadIhl);
  if (ihl > packet.size()) return Err(DropReason::kIpv4Truncated);
  const size_t total = ip.total_length();
  if (total < ihl) return Err(DropReason::kIpv4BadTotalLength);
  if (total > packet.size()) return Err(DropReason::kIpv4Truncated);
  if (policy == ChecksumPolicy::kVerify && !ip.checksum_valid()) return Err(DropReason::kIpv4BadChecksum);
  if (!ipv4_options_well_formed(ip.options())) return Err(DropReason::kIpv4BadOptions);
  if (ip.is_fragment()) return Err(DropReason::kIpFragment);
  if (ip.protocol() != ipv4::kProtocolTcp) return Err(DropReason::kNotTcp);
  Segment seg;
  seg.version = IpVersion::kV4;
  seg.src = ip.src();
  seg.dst = ip.dst();
  if (seg.src.is_unusable_unicast() || seg.dst.is_unusable_unicast()) return Err(DropReason::kBadAddress);
  return parse_tcp(packet.subspan(ihl, total - ihl), seg, policy);
}

Result<Segment, DropReason> parse_v6(std::span<const uint8_t> packet, ChecksumPolicy policy) {
  if (packet.size() < ipv6::kHeaderLen) return Err(DropReason::kIpv6Truncated);
  const ipv6::View ip(packet);
  const size_t end = ipv6::kHeaderLen + ip.payload_length();
  // A zero payload length with a Hop-by-Hop header means a jumbogram (RFC 2675): not for us.
  if (end > packet.size() || ip.payload_length() == 0) return Err(DropReason::kIpv6Truncated);
  Segment seg;
  seg.version = IpVersion::kV6;
  seg.src = ip.src();
  seg.dst = ip.dst();
  if (seg.src.is_unusable_unicast() || seg.dst.is_unusable_unicast()) return Err(DropReason::kBadAddress);

  // Walk the extension headers that may precede TCP. Each known one is (next, hdr_ext_len in
  // 8-octet units not counting the first 8, ...); the fragment header is fixed at 8 bytes.
  uint8_t next = ip.next_header();
  size_t offset = ipv6::kHeaderLen;
  for (int hops = 0;; ++hops) {
    if (next == ipv6::kTcp) break;
    if (hops >= 8) return Err(DropReason::kIpv6BadExtension);
    switch (next) {
      case ipv6::kHopByHop:
        if (hops != 0) return Err(DropReason::kIpv6BadExtension);  // RFC 8200 §4.3: first only
        [[fallthrough]];
      case ipv6::kRouting:
      case ipv6::kDestinationOptions: {
        if (offset + 8 > end) return Err(DropReason::kIpv6BadExtension);
        const size_t len = (static_cast<size_t>(packet[offset + 1]) + 1) * 8;
        if (offset + len > end) return Err(DropReason::kIpv6BadExtension);
        next = packet[offset];
        offset += len;
        break;
      }
      case ipv6::kFragment:
        return Err(DropReason::kIpFragment);
      case ipv6::kNoNextHeader:
        return Err(DropReason::kNotTcp);
      case ipv6::kEsp:
      case ipv6::kAuth:
        return Err(DropReason::kIpv6BadExtension);
      default:
        // An unknown header and an upper-layer protocol other than TCP are indistinguishable
        // without a registry; neither is something we can carry.
        return Err(DropReason::kNotTcp);
    }
  }
  return parse_tcp(packet.subspan(offset, end - offset), seg, policy);
}

}  // namespace

Result<TcpOptions, DropReason> parse_tcp_options(std::span<const uint8_t> opts) {
  TcpOptions out;
  size_t i = 0;
  while (i < opts.size()) {
    const uint8_t kind = opts[i];
    if (kind == tcp::option::kEnd) break;
    if (kind == tcp::option::kNop) {
      ++i;
      continue;
    }
    if (i + 1 >= opts.size()) return Err(DropReason::kTcpBadOptions);
    const uint8_t len = opts[i + 1];
    if (len < 2 || i + len > opts.size()) return Err(DropReason::kTcpBadOptions);
    switch (kind) {
      case tcp::option::kMss:
        if (len != 4) return Err(DropReason::kTcpBadOptions);
        out.mss = static_cast<uint16_t>(opts[i + 2] << 8 | opts[i + 3]);
        break;
      case tcp::option::kWindowScale:
        if (len != 3) return Err(DropReason::kTcpBadOptions);
        out.window_scale = std::min(opts[i + 2], tcp::option::kMaxWindowScale);
        break;
      case tcp::option::kSackPermitted:
        if (len != 2) return Err(DropReason::kTcpBadOptions);
        out.sack_permitted = true;
        break;
      case tcp::option::kTimestamps:
        if (len != 10) return Err(DropReason::kTcpBadOptions);
        out.timestamps = true;
        break;
      case tcp::option::kExperimental:
        // Other experiments share the kind (RFC 6994): only our ExID and length are ours.
        if (len == kPhantasmHelloLen && (opts[i + 2] << 8 | opts[i + 3]) == kPhantasmExId) {
          PhantasmHello hello;
          hello.version = opts[i + 4];
          hello.flags = opts[i + 5];
          for (size_t k = 0; k < 6; ++k) hello.session = hello.session << 8 | opts[i + 6 + k];
          out.phantasm = hello;
        }
        break;
      default:
        break;  // unknown options are skipped, as RFC 9293 §3.1 requires
    }
    i += len;
  }
  return out;
}

Result<Segment, DropReason> parse_packet(std::span<const uint8_t> packet, ChecksumPolicy policy) {
  if (packet.empty()) return Err(DropReason::kEmpty);
  switch (packet[0] >> 4) {
    case 4:
      return parse_v4(packet, policy);
    case 6:
      return parse_v6(packet, policy);
    default:
      return Err(DropReason::kBadIpVersion);
  }
}

size_t header_length(const SegmentHeader& h) {
  const size_t ip = h.src.is_v4() ? ipv4::kMinHeaderLen : ipv6::kHeaderLen;
  return ip + tcp::kMinHeaderLen + (h.window_scale ? 4 : 0) + (h.phantasm ? kPhantasmHelloLen : 0);
}

Result<std::span<uint8_t>, DropReason> emit_in_front(std::span<uint8_t> buffer, size_t payload_offset,
                                                     size_t payload_len, const SegmentHeader& h,
                                                     ChecksumMode mode) {
  if (h.src.version() != h.dst.version()) return Err(DropReason::kBadAddress);
  const size_t hlen = header_length(h);
  if (payload_offset < hlen) return Err(DropReason::kNoHeadroom);
  // Written as a subtraction: payload_offset + payload_len can wrap for a bogus length and would
  // then pass, leaving a packet span shorter than the headers written into it.
  if (payload_offset > buffer.size() || payload_len > buffer.size() - payload_offset) {
    return Err(DropReason::kDatagramTooLarge);
  }
  const size_t ip_len = h.src.is_v4() ? ipv4::kMinHeaderLen : ipv6::kHeaderLen;
  const size_t tcp_len = hlen - ip_len + payload_len;
  if ((h.src.is_v4() ? hlen + payload_len : tcp_len) > 0xFFFF) return Err(DropReason::kDatagramTooLarge);

  const std::span<uint8_t> packet = buffer.subspan(payload_offset - hlen, hlen + payload_len);
  if (h.src.is_v4()) {
    ipv4::Writer ip(packet);
    ip.set_version_ihl(ipv4::kMinHeaderLen);
    ip.set_tos(0);
    ip.set_total_length(static_cast<uint16_t>(packet.size()));
    ip.set_ident(0);
    ip.set_flags_fragment(ipv4::kFlagDontFragment);
    ip.set_ttl(kIpTtl);
    ip.set_protocol(ipv4::kProtocolTcp);
    ip.set_src(h.src);
    ip.set_dst(h.dst);
    ip.fill_checksum();
  } else {
    ipv6::Writer ip(packet);
    ip.set_version_class_flow(0, 0);
    ip.set_payload_length(static_cast<uint16_t>(tcp_len));
    ip.set_next_header(ipv6::kTcp);
    ip.set_hop_limit(kIpTtl);
    ip.set_src(h.src);
    ip.set_dst(h.dst);
  }

  const std::span<uint8_t> seg = packet.subspan(ip_len);
  tcp::Writer t(seg);
  t.set_src_port(h.src_port);
  t.set_dst_port(h.dst_port);
  t.set_seq(h.seq);
  t.set_ack(h.ack);
  t.set_header_len(hlen - ip_len);
  t.set_flags(h.flags);
  t.set_window(h.window);
  t.set_checksum(0);
  t.set_urgent(0);
  size_t opt = tcp::kMinHeaderLen;
  if (h.window_scale) {
    seg[opt++] = tcp::option::kNop;
    seg[opt++] = tcp::option::kWindowScale;
    seg[opt++] = 3;
    seg[opt++] = *h.window_scale;
  }
  if (h.phantasm) {
    seg[opt++] = tcp::option::kExperimental;
    seg[opt++] = kPhantasmHelloLen;
    seg[opt++] = static_cast<uint8_t>(kPhantasmExId >> 8);
    seg[opt++] = static_cast<uint8_t>(kPhantasmExId);
    seg[opt++] = h.phantasm->version;
    seg[opt++] = h.phantasm->flags;
    for (int shift = 40; shift >= 0; shift -= 8) seg[opt++] = static_cast<uint8_t>(h.phantasm->session >> shift);
  }
  const uint64_t pseudo = pseudo_header_sum(h.src, h.dst, tcp::kProtocolNumber, static_cast<uint32_t>(tcp_len));
  if (mode == ChecksumMode::kFull) {
    t.set_checksum(checksum_finish(checksum_add(seg, pseudo)));
  } else {
    t.set_checksum(checksum_fold(pseudo));
  }
  return packet;
}

Result<std::span<uint8_t>, DropReason> emit_bare(std::span<uint8_t> buffer, const SegmentHeader& h) {
  return emit_in_front(buffer, header_length(h), 0, h);
}

}  // namespace phantasm::wire
