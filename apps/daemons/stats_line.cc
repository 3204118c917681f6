#include "apps/daemons/stats_line.h"

#include <spdlog/fmt/fmt.h>

namespace phantasm::daemons {

void accumulate(linux_host::WorkerSnapshot& a, const linux_host::WorkerSnapshot& b) {
  const EndpointCounters& e = b.engine;
  EndpointCounters& t = a.engine;
  t.packets_received += e.packets_received;
  t.packets_sent += e.packets_sent;
  t.datagrams_received += e.datagrams_received;
  t.flows_opened += e.flows_opened;
  t.flows_closed += e.flows_closed;
  t.handshakes_started += e.handshakes_started;
  t.handshakes_completed += e.handshakes_completed;
  t.handshakes_failed += e.handshakes_failed;
  t.handshake_retransmits += e.handshake_retransmits;
  t.resets_received += e.resets_received;
  t.resets_sent += e.resets_sent;
  t.unknown_rsts_suppressed += e.unknown_rsts_suppressed;
  t.phantasm_peers += e.phantasm_peers;
  t.timer_stalls += e.timer_stalls;
  if (e.path_mtu_reported != 0 &&
      (t.path_mtu_reported == 0 || e.path_mtu_reported < t.path_mtu_reported)) {
    t.path_mtu_reported = e.path_mtu_reported;
  }
  t.traffic += e.traffic;
  t.drops += e.drops;
  a.host += b.host;
  a.flows += b.flows;
  a.half_open += b.half_open;
}

std::vector<std::pair<std::string_view, uint64_t>> named_drops(
    const linux_host::WorkerSnapshot& s, const std::optional<linux_host::LinkStats>& tun) {
  const auto& e = s.engine;
  const auto& h = s.host;
  std::vector<std::pair<std::string_view, uint64_t>> drops;
  for (size_t i = 0; i < kDropReasonCount; ++i) {
    auto reason = static_cast<DropReason>(i);
    if (e.drops[reason] > 0) drops.emplace_back(to_string(reason), e.drops[reason]);
  }
  auto add = [&drops](std::string_view name, uint64_t value) {
    if (value > 0) drops.emplace_back(name, value);
  };
  add("udp_truncated", h.udp_truncated);
  add("udp_rxq_overflow", h.udp_kernel_drops);
  add("udp_send_full", h.udp_send_full);
  add("udp_send_error", h.udp_send_errors);
  add("udp_receive_error", h.udp_receive_errors);
  add("no_socket", h.deliveries_without_socket);
  add("socket_open_failed", h.socket_open_failures);
  add("emfile", h.emfile);
  add("tun_write_error", h.tun_write_errors);
  add("tun_read_error", h.tun_read_errors);
  add("handoff_dropped", h.handoffs_dropped);
  if (tun) {
    add("tun_tx_dropped", tun->tx_dropped);
    add("tun_rx_dropped", tun->rx_dropped);
  }
  return drops;
}

std::string format_stats(const linux_host::WorkerSnapshot& s,
                         const std::optional<linux_host::LinkStats>& tun) {
  const auto& e = s.engine;
  const auto& h = s.host;
  std::string line = fmt::format(
      "stats: flows {} (half-open {}, opened {}, closed {}) | udp->tcp {} datagrams {} B | "
      "tcp->udp {} datagrams {} B | tun read {} written {} | udp in {} out {} | "
      "resets in {} out {} | pure acks in {} out {} | phantasm peers {} | handoffs {}",
      s.flows, s.half_open, e.flows_opened, e.flows_closed, e.traffic.datagrams_sent,
      e.traffic.bytes_sent, e.traffic.datagrams_delivered, e.traffic.bytes_delivered,
      h.tun_packets_read, h.tun_packets_written, h.udp_datagrams_received, h.udp_datagrams_sent,
      e.resets_received, e.resets_sent, e.traffic.pure_acks_received, e.traffic.pure_acks_sent,
      e.phantasm_peers, h.handoffs);
  if (e.path_mtu_reported != 0) line += fmt::format(" | path mtu {} (ICMP)", e.path_mtu_reported);
  if (e.timer_stalls != 0) line += fmt::format(" | timer stalls {} (a bug: please report)", e.timer_stalls);
  // Losses, named: the engine's drop reasons, then the host's and the kernel's.
  std::string drops;
  for (const auto& [name, value] : named_drops(s, tun)) drops += fmt::format(" {}={}", name, value);
  line += " | drops:";
  line += drops.empty() ? std::string(" none") : drops;
  return line;
}

}  // namespace phantasm::daemons
