#include "harness/traffic/tool/report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace phantasm::traffic {
namespace {

constexpr std::string_view kRowFormat = "{:<12} {:>6} {:>11} {:>11} {:>9} {:>7} {:>9} {:>7} {:>9} {:>10} {:>9}\n";

std::string loss_percent(const TrafficCounts& c) {
  if (c.sent == 0) return "-";
  return fmt::format("{:.3f}", 100.0 * static_cast<double>(c.lost) / static_cast<double>(c.sent));
}

std::string receiving_row(std::string_view label, size_t flows, const TrafficCounts& c, double mbit,
                          double kpps) {
  // An inferred sent count (no end-of-flow datagram seen) is marked: its tail losses are unknown.
  const std::string sent = fmt::format("{}{}", c.sent, c.sent_source == SentSource::inferred ? "~" : "");
  return fmt::format(kRowFormat, label, flows, sent, c.received, c.lost, loss_percent(c),
                     c.corrupted, c.duplicated, c.reordered, fmt::format("{:.2f}", mbit),
                     fmt::format("{:.2f}", kpps));
}

std::string micros(uint64_t ns) { return fmt::format("{:.1f} us", static_cast<double>(ns) / 1e3); }

nlohmann::json counts_json(const TrafficCounts& c) {
  nlohmann::json defects = nlohmann::json::object();
  for (size_t i = 0; i < kDefectCount; ++i) {
    if (c.defects[i] != 0) defects[std::string(defect_name(static_cast<Defect>(i)))] = c.defects[i];
  }
  return {{"sent", c.sent},
          {"sent_source", c.sent_source == SentSource::known ? "known" : "inferred"},
          {"received", c.received},
          {"delivered", c.delivered},
          {"lost", c.lost},
          {"corrupted", c.corrupted},
          {"duplicated", c.duplicated},
          {"reordered", c.reordered},
          {"stale", c.stale},
          {"untracked", c.untracked},
          {"delivered_bytes", c.delivered_bytes},
          {"defects", defects},
          {"lossless", c.lossless()}};
}

}  // namespace

std::vector<std::string> RunReport::lossless_problems() const {
  std::vector<std::string> problems;
  for (const DirectionReport& d : directions) {
    if (!d.receiving) continue;
    const TrafficCounts& c = d.counts;
    if (d.flows == 0 && c.received == 0) problems.push_back(fmt::format("{}: nothing arrived", d.name));
    if (c.lost > 0) problems.push_back(fmt::format("{}: {} of {} datagrams lost", d.name, c.lost, c.sent));
    if (c.corrupted > 0) problems.push_back(fmt::format("{}: {} corrupted", d.name, c.corrupted));
    if (c.duplicated > 0) problems.push_back(fmt::format("{}: {} duplicated", d.name, c.duplicated));
    if (c.stale > 0) problems.push_back(fmt::format("{}: {} arrived too late to classify", d.name, c.stale));
    if (c.untracked > 0) problems.push_back(fmt::format("{}: {} in flows beyond --max-flows", d.name, c.untracked));
  }
  for (const FlowReport& f : flows) {
    if (f.counts.sent_source == SentSource::inferred) {
      problems.push_back(fmt::format("{}: flow {} of session {:08x} from {} never sent its end-of-flow datagram, "
                                     "so losses at its tail are unknown", f.direction, f.flow, f.session, f.peer));
    }
  }
  return problems;
}

std::string format_table(const RunReport& report, bool per_flow) {
  std::string out = fmt::format(kRowFormat, "direction", "flows", "sent", "received", "lost", "loss%",
                                "corrupted", "dup", "reordered", "Mbit/s", "kpps");
  for (const DirectionReport& d : report.directions) {
    if (!d.receiving) {
      out += fmt::format(kRowFormat, d.name, d.flows, d.counts.sent, "-", "-", "-", "-", "-", "-",
                         fmt::format("{:.2f}", d.mbit_per_second()), fmt::format("{:.2f}", d.kpps()));
      continue;
    }
    out += receiving_row(d.name, d.flows, d.counts, d.mbit_per_second(), d.kpps());
    if (!per_flow) continue;
    for (const FlowReport& f : report.flows) {
      if (f.direction != d.name) continue;
      const double seconds = static_cast<double>(f.counts.last_arrival_ns - f.counts.first_arrival_ns) * 1e-9;
      const double mbit = seconds > 0 ? f.counts.delivered_bytes * 8.0 / seconds / 1e6 : 0;
      const double kpps = seconds > 0 ? f.counts.delivered / seconds / 1e3 : 0;
      std::string row = receiving_row(fmt::format("  flow {}", f.flow), 1, f.counts, mbit, kpps);
      // A sink hears from many sources: name each flow's, after the numbers.
      if (report.mode == "sink") row.insert(row.size() - 1, fmt::format("  {} session {:08x}", f.peer, f.session));
      out += row;
    }
  }
  for (const DirectionReport& d : report.directions) {
    if (d.round_trip && d.round_trip->count() > 0) {
      const LatencyHistogram& h = *d.round_trip;
      out += fmt::format("round trip ({}): min {}, p50 {}, p99 {}, max {}\n", d.name, micros(h.min()),
                         micros(h.quantile(0.5)), micros(h.quantile(0.99)), micros(h.max()));
    }
    if (d.receiving) {
      out += fmt::format("{}: kernel receive-queue drops (SO_RXQ_OVFL) {}", d.name, d.kernel_drops);
      if (d.counts.stale + d.counts.untracked > 0) {
        out += fmt::format(", stale {}, untracked {}", d.counts.stale, d.counts.untracked);
      }
      if (d.echo_failures > 0) out += fmt::format(", echo failures {}", d.echo_failures);
      out += "\n";
    }
    if (d.refused > 0) out += fmt::format("{}: {} ICMP port-unreachable errors (nothing listening?)\n", d.name, d.refused);
  }
  for (const FlowReport& f : report.flows) {
    if (f.counts.sent_source == SentSource::inferred) {
      out += "~ sent inferred from the highest sequence number (no end-of-flow datagram arrived)\n";
      break;
    }
  }
  for (const std::string& note : report.notes) out += "note: " + note + "\n";
  const bool receiving = std::any_of(report.directions.begin(), report.directions.end(),
                                     [](const DirectionReport& d) { return d.receiving; });
  out += fmt::format("{:.2f} s{}, {}\n", report.elapsed_seconds, report.interrupted ? " (interrupted)" : "",
                     !receiving          ? "one way: the sink counts what arrived"
                     : report.lossless() ? "lossless"
                                         : "NOT lossless");
  return out;
}

std::string format_json(const RunReport& report) {
  nlohmann::json settings = nlohmann::json::object();
  for (const auto& [key, value] : report.settings) settings[key] = value;
  nlohmann::json directions = nlohmann::json::array();
  for (const DirectionReport& d : report.directions) {
    nlohmann::json j = {{"name", d.name},
                        {"flows", d.flows},
                        {"packets", d.packets},
                        {"bytes", d.bytes},
                        {"seconds", d.seconds},
                        {"mbit_per_s", d.mbit_per_second()},
                        {"kpps", d.kpps()},
                        {"refused", d.refused}};
    if (d.receiving) {
      j.update(counts_json(d.counts));
      j["kernel_drops"] = d.kernel_drops;
      j["echo_failures"] = d.echo_failures;
    } else {
      j["sent"] = d.counts.sent;
    }
    if (d.round_trip && d.round_trip->count() > 0) {
      const LatencyHistogram& h = *d.round_trip;
      j["round_trip_ns"] = {{"count", h.count()},         {"min", h.min()},
                            {"mean", h.mean()},           {"p50", h.quantile(0.5)},
                            {"p90", h.quantile(0.9)},     {"p99", h.quantile(0.99)},
                            {"max", h.max()}};
    }
    directions.push_back(std::move(j));
  }
  nlohmann::json flows = nlohmann::json::array();
  for (const FlowReport& f : report.flows) {
    nlohmann::json j = counts_json(f.counts);
    j["direction"] = f.direction;
    j["peer"] = f.peer;
    j["session"] = f.session;
    j["flow"] = f.flow;
    flows.push_back(std::move(j));
  }
  const nlohmann::json root = {{"tool", "phantasm udpgen"},
                               {"mode", report.mode},
                               {"settings", settings},
                               {"elapsed_s", report.elapsed_seconds},
                               {"interrupted", report.interrupted},
                               {"lossless", report.lossless()},
                               {"directions", directions},
                               {"flows", flows},
                               {"notes", report.notes}};
  return root.dump(2) + "\n";
}

}  // namespace phantasm::traffic
