#include "apps/cli/status_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace phantasm::cli {
namespace {

using json = nlohmann::json;

uint64_t number(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<uint64_t>() : 0;
}

std::string text(const json& j, const char* key, const char* missing = "-") {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string(missing);
}

std::string seconds_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? human_duration(it->get<double>()) : "-";
}

// "5000 / 3.2 MiB"
std::string direction(const json& flow, const char* key) {
  auto it = flow.find(key);
  if (it == flow.end() || !it->is_object()) return "-";
  return fmt::format("{} / {}", number(*it, "datagrams"), human_bytes(number(*it, "bytes")));
}

// "pending-queue-full=3 bad-address=1", or `none`.
std::string drops_of(const json& j, const char* none) {
  auto it = j.find("drops");
  if (it == j.end() || !it->is_object() || it->empty()) return none;
  std::string out;
  for (const auto& [name, value] : it->items()) {
    if (!out.empty()) out += ' ';
    out += fmt::format("{}={}", name, value.is_number() ? value.get<uint64_t>() : 0);
  }
  return out;
}

std::string render(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += line + '\n';
  }
  return out;
}

}  // namespace

std::string human_bytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string human_duration(double seconds) {
  if (!(seconds >= 0)) return "-";
  auto s = static_cast<uint64_t>(std::floor(seconds));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
}

std::string format_status_table(const json& status) {
  std::string out = fmt::format(
      "{} {} (pid {}), tun {}, {} worker(s), up {}\n", text(status, "program", "daemon"),
      text(status, "version", "?"), number(status, "pid"), text(status, "tun"),
      number(status, "workers"), seconds_of(status, "uptime_s"));

  const bool client = text(status, "role", "") == "client";
  auto flows_it = status.find("flows");
  const json flows = flows_it != status.end() && flows_it->is_array() ? *flows_it : json::array();
  if (flows.empty()) {
    out += "\nno flows\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> head{"LOCAL", "REMOTE"};
    if (client) head.push_back("UDP PEER");
    for (const char* h : {"PEER KIND", "STATE", "AGE", "IDLE", "UDP->TCP", "TCP->UDP", "DROPS"}) {
      head.push_back(h);
    }
    rows.push_back(head);
    for (const json& f : flows) {
      std::vector<std::string> row{text(f, "local"), text(f, "remote")};
      if (client) row.push_back(text(f, "udp_peer"));
      row.push_back(text(f, "peer_kind"));
      row.push_back(text(f, "state"));
      row.push_back(seconds_of(f, "age_s"));
      row.push_back(seconds_of(f, "idle_s"));
      row.push_back(direction(f, "udp_to_tcp"));
      row.push_back(direction(f, "tcp_to_udp"));
      row.push_back(drops_of(f, "-"));
      rows.push_back(std::move(row));
    }
    out += '\n' + render(rows);
  }

  auto totals_it = status.find("totals");
  const json totals =
      totals_it != status.end() && totals_it->is_object() ? *totals_it : json::object();
  out += fmt::format(
      "\ntotals: flows {} (half-open {}, opened {}, closed {}), phantasm peers {}\n"
      "  udp->tcp  {} datagrams  {}\n"
      "  tcp->udp  {} datagrams  {}\n"
      "  tun read {} written {} | udp in {} out {} | resets in {} out {} | pure acks in {} out {} "
      "| handoffs {}\n"
      "  drops: {}\n",
      number(totals, "flows"), number(totals, "half_open"), number(totals, "opened"),
      number(totals, "closed"), number(totals, "phantasm_peers"),
      totals.contains("udp_to_tcp") ? number(totals["udp_to_tcp"], "datagrams") : 0,
      human_bytes(totals.contains("udp_to_tcp") ? number(totals["udp_to_tcp"], "bytes") : 0),
      totals.contains("tcp_to_udp") ? number(totals["tcp_to_udp"], "datagrams") : 0,
      human_bytes(totals.contains("tcp_to_udp") ? number(totals["tcp_to_udp"], "bytes") : 0),
      number(totals, "tun_read"), number(totals, "tun_written"), number(totals, "udp_in"),
      number(totals, "udp_out"), number(totals, "resets_in"), number(totals, "resets_out"),
      number(totals, "pure_acks_in"), number(totals, "pure_acks_out"), number(totals, "handoffs"),
      drops_of(totals, "none"));
  return out;
}

}  // namespace phantasm::cli
