// Netfilter setup of one namespace from the scenario's portable vocabulary, using the kernel's
// own mechanisms where it has them: conntrack sysctls, nftables filter and NAT, nft
// `reset tcp option` at raw priority (before conntrack, so it tracks the stripped SYN), the
// TCPMSS target (iptables), and an iptables raw-table NFQUEUE rule for the relay (this kernel
// has no nft `queue`). Every namespace also gets the check table: INVALID and leak counters.
#pragma once

#include <optional>
#include <string>

#include "harness/scenario/scenario.h"
#include "netns-tests/runner/topology.h"

namespace phantasm::netns {

// The check table of every namespace: named counters "invalid" (ct state invalid, after
// conntrack, in prerouting and output) and "leaked" (a TUN-private source leaving on a wire).
void apply_check_table(const Node& node);
void apply_firewall(const Node& node, const scenario::Firewall& fw);
// `wan_address` is the box's own address on its server side (for snat).
void apply_nat(const Node& node, const scenario::Nat& nat, const std::optional<scenario::PortRange>& ports,
               const std::string& wan_v4, const std::string& wan_v6);
void apply_box(const Topology& topo, size_t box_index, const scenario::Middlebox& box, std::optional<uint16_t> relay_queue);
void apply_linux_override(const Node& node, const scenario::LinuxOverride& o);
// `conntrack -F`, both families.
void flush_conntrack(const Node& node);

// Counters read back.
uint64_t nft_counter(const Node& node, const std::string& name);
uint64_t conntrack_stat_invalid(const Node& node);
// The fake-TCP flow to `port` is ESTABLISHED [ASSURED] in this namespace's conntrack.
bool conntrack_assured(const Node& node, uint16_t port, bool ipv6);

}  // namespace phantasm::netns
