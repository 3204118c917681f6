// PacketFilter: a middlebox that picks out particular packets (the first SYN-ACK, the third
// handshake ACK...) and drops or holds them, for handshake tests that need one specific loss
// or reordering instead of random ones. Everything else passes unchanged.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <span>

#include "harness/memwire/middlebox.h"

namespace phantasm::memwire {

using PacketPredicate = std::function<bool(std::span<const uint8_t> packet)>;

// Predicates on the TCP flags and payload of an IPv4/IPv6 packet (false for anything else).
bool is_syn(std::span<const uint8_t> packet);      // SYN without ACK
bool is_syn_ack(std::span<const uint8_t> packet);  // SYN+ACK
bool is_pure_ack(std::span<const uint8_t> packet); // ACK only, no payload
bool is_data(std::span<const uint8_t> packet);     // any payload
bool is_rst(std::span<const uint8_t> packet);      // RST set

struct FilterRule {
  Direction dir = Direction::kClientToServer;
  PacketPredicate match{};
  std::set<uint64_t> occurrences{};  // 1-based: {1} is the first matching packet
  Duration hold{0};                // 0: drop; otherwise delay by this much
};

class PacketFilter {
 public:
  explicit PacketFilter(FilterRule rule) : rule_(std::move(rule)) {}

  void operator()(Direction dir, std::span<const uint8_t> packet, const Emit& emit);

  uint64_t matched() const { return matched_; }
  uint64_t acted_on() const { return acted_on_; }

 private:
  FilterRule rule_;
  uint64_t matched_ = 0;
  uint64_t acted_on_ = 0;
};

// Shorthands: drop / hold the listed occurrences of matching packets in one direction.
Middlebox drop_nth(Direction dir, PacketPredicate match, std::set<uint64_t> occurrences);
Middlebox hold_nth(Direction dir, PacketPredicate match, std::set<uint64_t> occurrences, Duration hold);

}  // namespace phantasm::memwire
