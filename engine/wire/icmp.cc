#include "engine/wire/icmp.h"

#include "engine/wire/bytes.h"
#include "engine/wire/checksum.h"
#include "engine/wire/ipv4.h"
#include "engine/wire/ipv6.h"

namespace phantasm::wire {
namespace {

constexpr uint8_t kIcmp = 1;
constexpr uint8_t kIcmpV6 = 58;
constexpr uint8_t kTcp = 6;
constexpr size_t kIcmpHeader = 8;

std::optional<uint32_t> too_big_v4(std::span<const uint8_t> packet) {
  if (packet.size() < ipv4::kMinHeaderLen) return std::nullopt;
  const ipv4::View ip(packet);
  const size_t ihl = ip.header_len();
  const size_t total = ip.total_length();
  if (ihl < ipv4::kMinHeaderLen || total < ihl || total > packet.size()) return std::nullopt;
  if (ip.protocol() != kIcmp || ip.is_fragment() || !ip.checksum_valid()) return std::nullopt;
  const auto icmp = packet.subspan(ihl, total - ihl);
  // The quoted header must be there, far enough to name its protocol.
  if (icmp.size() < kIcmpHeader + ipv4::kMinHeaderLen) return std::nullopt;
  if (icmp[0] != 3 || icmp[1] != 4) return std::nullopt;
  if (checksum_fold(checksum_add(icmp)) != 0xFFFF) return std::nullopt;
  const auto quoted = icmp.subspan(kIcmpHeader);
  if ((quoted[0] >> 4) != 4 || quoted[ipv4::field::kProtocol] != kTcp) return std::nullopt;
  return load_be16(icmp, 6);
}

std::optional<uint32_t> too_big_v6(std::span<const uint8_t> packet) {
  if (packet.size() < ipv6::kHeaderLen) return std::nullopt;
  const ipv6::View ip(packet);
  const size_t length = ip.payload_length();
  if (ip.next_header() != kIcmpV6 || ipv6::kHeaderLen + length > packet.size()) return std::nullopt;
  const auto icmp = packet.subspan(ipv6::kHeaderLen, length);
  if (icmp.size() < kIcmpHeader + ipv6::kHeaderLen) return std::nullopt;
  if (icmp[0] != 2 || icmp[1] != 0) return std::nullopt;
  const uint64_t pseudo = pseudo_header_sum(ip.src(), ip.dst(), kIcmpV6, static_cast<uint32_t>(length));
  if (checksum_fold(checksum_add(icmp, pseudo)) != 0xFFFF) return std::nullopt;
  const auto quoted = icmp.subspan(kIcmpHeader);
  // A TCP packet of ours carries no extension headers.
  if ((quoted[0] >> 4) != 6 || quoted[ipv6::field::kNextHeader] != kTcp) return std::nullopt;
  return load_be32(icmp, 4);
}

}  // namespace

std::optional<uint32_t> packet_too_big_mtu(std::span<const uint8_t> packet) {
  if (packet.empty()) return std::nullopt;
  switch (packet[0] >> 4) {
    case 4: return too_big_v4(packet);
    case 6: return too_big_v6(packet);
    default: return std::nullopt;
  }
}

}  // namespace phantasm::wire
