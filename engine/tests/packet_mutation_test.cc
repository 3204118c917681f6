// Seeded mutation testing of parse_packet: valid packets of every type, both families, with one
// byte, bit, field, length or header-length nibble broken at a time. The parser must never read
// outside its input, must give a codec reason for every refusal, and must agree with itself
// across checksum policies. Reproducible: the seed is fixed, so a failure names its iteration.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "engine/core/rng.h"
#include "engine/tests/golden_packets.h"
#include "engine/tests/wire_test_util.h"

namespace phantasm::wire::testing {
namespace {

constexpr int kIterations = 150000;

struct Seed {
  std::string name;
  std::vector<uint8_t> bytes;
  // Only for packets without IPv6 extension headers or link padding: every byte except the
  // header-length fields is then covered by a checksum (see SingleByteChangesNeverPassVerify).
  bool fully_covered;
};

std::vector<Seed> seeds() {
  std::vector<Seed> out;
  for (const auto& g : golden_packets()) out.push_back({g.name, {g.bytes.begin(), g.bytes.end()}, true});

  CraftedPacket v4 = crafted_v4();
  v4.ip_options = {0x94, 4, 0, 0, 1, 0x07, 7, 4, 0, 0, 0, 0};
  v4.tcp_options = {2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
  v4.flags = tcp::flag::kSyn;
  out.push_back({"Ipv4AndTcpOptions", v4.bytes(), false});

  CraftedPacket v6 = crafted_v6();
  v6.extensions = {{0}, {43, 24}, {60, 16}};
  v6.tcp_options = {1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 3};
  v6.payload = {'p', 'h', 'a', 'n', 't', 'a', 's', 'm'};
  out.push_back({"Ipv6ExtensionsAndTimestamps", v6.bytes(), false});

  // A Phantasm SYN: window scale, then the hello (RFC 6994 experimental option, ExID 0x7068).
  CraftedPacket hello = crafted_v6();
  hello.flags = tcp::flag::kSyn;
  hello.seq = 0;
  hello.tcp_options = {1, 3, 3, 14, 253, 12, 0x70, 0x68, 1, 0, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC};
  out.push_back({"PhantasmHello", hello.bytes(), true});

  CraftedPacket padded = crafted_v4();
  padded.payload = {1, 2, 3};
  padded.trailer = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  out.push_back({"EthernetPadded", padded.bytes(), false});
  return out;
}

enum class Mutation { kByte, kBit, kTruncate, kField16, kLengthNibble, kAppend, kInsert, kErase };
constexpr int kMutationKinds = 8;

struct Mutated {
  std::vector<uint8_t> bytes;
  Mutation kind;
  size_t at = 0;  // the byte changed by kByte/kBit
};

Mutated mutate(Rng& rng, const std::vector<uint8_t>& in) {
  Mutated m{in, static_cast<Mutation>(rng.uniform(0, kMutationKinds - 1))};
  auto& b = m.bytes;
  const size_t n = b.size();
  m.at = rng.uniform(0, n - 1);
  switch (m.kind) {
    case Mutation::kByte:
      b[m.at] = static_cast<uint8_t>(rng.next_u32());
      break;
    case Mutation::kBit:
      b[m.at] ^= static_cast<uint8_t>(1u << rng.uniform(0, 7));
      break;
    case Mutation::kTruncate:
      b.resize(rng.uniform(0, n - 1));
      break;
    case Mutation::kField16: {
      // Length and port fields break at their edges, so aim there more than at random values.
      const size_t at = rng.uniform(0, n / 2 - 1) * 2;
      const uint16_t edges[] = {0, 1, 0xFFFF, 0x8000, static_cast<uint16_t>(n), static_cast<uint16_t>(n - 1),
                                static_cast<uint16_t>(n - 40), static_cast<uint16_t>(n - 41),
                                static_cast<uint16_t>(rng.next_u32())};
      const uint16_t v = edges[rng.uniform(0, std::size(edges) - 1)];
      b[at] = static_cast<uint8_t>(v >> 8);
      b[at + 1] = static_cast<uint8_t>(v);
      break;
    }
    case Mutation::kLengthNibble: {
      // IPv4 IHL (byte 0), or a TCP data offset at one of the places it can sit.
      const size_t candidates[] = {0, 20 + 12, 32 + 12, 40 + 12, 88 + 12};
      const size_t at = candidates[rng.uniform(0, std::size(candidates) - 1)];
      const auto nibble = static_cast<uint8_t>(rng.uniform(0, 15));
      if (at == 0) {
        b[at] = static_cast<uint8_t>((b[at] & 0xF0) | nibble);
      } else if (at < n) {
        b[at] = static_cast<uint8_t>(nibble << 4 | (b[at] & 0x0F));
      }
      break;
    }
    case Mutation::kAppend:
      for (size_t i = rng.uniform(1, 32); i > 0; --i) b.push_back(static_cast<uint8_t>(rng.next_u32()));
      break;
    case Mutation::kInsert:
      b.insert(b.begin() + static_cast<long>(m.at), static_cast<uint8_t>(rng.next_u32()));
      break;
    case Mutation::kErase:
      b.erase(b.begin() + static_cast<long>(m.at));
      break;
  }
  return m;
}

bool same_segment(const Segment& a, const Segment& b) {
  return a.version == b.version && a.src == b.src && a.dst == b.dst && a.src_port == b.src_port &&
         a.dst_port == b.dst_port && a.seq == b.seq && a.ack == b.ack && a.flags == b.flags &&
         a.window == b.window && a.options.window_scale == b.options.window_scale &&
         a.options.mss == b.options.mss && a.options.sack_permitted == b.options.sack_permitted &&
         a.options.timestamps == b.options.timestamps && a.options.phantasm == b.options.phantasm &&
         a.payload.data() == b.payload.data() &&
         a.payload.size() == b.payload.size();
}

bool is_codec_reason(DropReason r) { return r <= DropReason::kTcpBadPort; }

TEST(PacketMutation, ParserStaysInBoundsAndConsistent) {
  const auto corpus = seeds();
  Rng rng(0x5EED'C0DEC);
  std::map<std::string, int> outcomes;
  for (int i = 0; i < kIterations; ++i) {
    const Seed& seed = corpus[rng.uniform(0, corpus.size() - 1)];
    const Mutated m = mutate(rng, seed.bytes);
    // Exactly sized, so that a sanitizer build flags any read past the end.
    const std::vector<uint8_t> input = m.bytes;
    const uint8_t* begin = input.data();
    const uint8_t* end = input.data() + input.size();

    auto verified = parse_packet(input, ChecksumPolicy::kVerify);
    auto trusted = parse_packet(input, ChecksumPolicy::kTrust);
    for (const auto* r : {&verified, &trusted}) {
      if (*r) {
        const auto payload = (*r)->payload;
        ASSERT_TRUE(payload.empty() || (payload.data() >= begin && payload.data() + payload.size() <= end))
            << "payload outside the input at iteration " << i << " (" << seed.name << ")";
        ASSERT_LE(payload.size(), input.size());
      } else {
        ASSERT_TRUE(is_codec_reason(r->error())) << to_string(r->error()) << " at iteration " << i;
      }
    }
    // kTrust only skips checks, so whatever passes verification passes it too, identically.
    if (verified) {
      ASSERT_TRUE(trusted) << to_string(trusted.error()) << " at iteration " << i << " (" << seed.name << ")";
      ASSERT_TRUE(same_segment(*verified, *trusted)) << "iteration " << i << " (" << seed.name << ")";
    }
    ++outcomes[verified ? "accepted" : std::string(to_string(verified.error()))];
    ++outcomes[trusted ? "accepted" : std::string(to_string(trusted.error()))];
  }
  // The mutations must reach every branch of the parser, or this test proves little.
  for (auto r = static_cast<size_t>(DropReason::kEmpty); r <= static_cast<size_t>(DropReason::kTcpBadPort); ++r) {
    const std::string reason(to_string(static_cast<DropReason>(r)));
    EXPECT_GT(outcomes[reason], 0) << "no mutation produced " << reason;
  }
  EXPECT_GT(outcomes["accepted"], kIterations / 20);
}

// A one's-complement sum changes whenever exactly one byte of what it covers changes (the word
// moves by at most 0xFF00, never by 0xFFFF), so with verification on, no single-byte change of
// a Phantun packet may pass. The exceptions are the bytes no checksum covers or whose change
// moves the checksummed region: the IPv4 version/IHL byte and the IPv6 version, class, flow
// label, payload length and hop limit.
TEST(PacketMutation, SingleByteChangesNeverPassVerify) {
  const auto corpus = seeds();
  Rng rng(1071);
  int checked = 0;
  for (int i = 0; i < kIterations; ++i) {
    const Seed& seed = corpus[rng.uniform(0, corpus.size() - 1)];
    if (!seed.fully_covered) continue;
    const Mutated m = mutate(rng, seed.bytes);
    if (m.kind != Mutation::kByte && m.kind != Mutation::kBit) continue;
    if (m.bytes[m.at] == seed.bytes[m.at]) continue;
    const bool v4 = seed.bytes[0] >> 4 == 4;
    if (v4 ? m.at == 0 : m.at < 8) continue;
    ++checked;
    auto seg = parse_packet(m.bytes, ChecksumPolicy::kVerify);
    ASSERT_FALSE(seg) << seed.name << ": byte " << m.at << " changed from " << int{seed.bytes[m.at]} << " to "
                      << int{m.bytes[m.at]} << " and the packet still passed";
  }
  EXPECT_GT(checked, kIterations / 10);
}

}  // namespace
}  // namespace phantasm::wire::testing
