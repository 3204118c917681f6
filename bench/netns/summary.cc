#include "bench/netns/summary.h"

#include <algorithm>
#include <map>
#include <optional>

namespace phantasm::bench {
namespace {

using Json = nlohmann::json;

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The value at a "/"-separated path of a row, if it is a number.
std::optional<double> number_at(const Json& row, const std::string& path) {
  const Json* node = &row;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const std::string key = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!node->is_object() || !node->contains(key)) return std::nullopt;
    node = &(*node)[key];
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (!node->is_number()) return std::nullopt;
  return node->get<double>();
}

std::vector<const Json*> rows_of(const Json& rows, const std::string& mode, int streams) {
  std::vector<const Json*> out;
  for (const Json& r : rows) {
    if (r.value("mode", "") == mode && r.value("streams", 0) == streams && r.value("error", "").empty()) {
      out.push_back(&r);
    }
  }
  return out;
}

Json spread_at(const std::vector<const Json*>& rows, const std::string& path) {
  std::vector<double> v;
  for (const Json* r : rows) {
    if (auto x = number_at(*r, path)) v.push_back(*x);
  }
  return spread(v);
}

// Per repetition: this mode's receiver rate over the baseline's in the same repetition.
Json per_rep_ratio(const std::vector<const Json*>& rows, const std::vector<const Json*>& base) {
  std::map<int, double> base_by_rep;
  for (const Json* b : base) base_by_rep[b->value("repetition", 0)] = b->value("receiver_mbps", 0.0);
  std::vector<double> ratios;
  for (const Json* r : rows) {
    auto it = base_by_rep.find(r->value("repetition", 0));
    if (it != base_by_rep.end() && it->second > 0) ratios.push_back(r->value("receiver_mbps", 0.0) / it->second);
  }
  return spread(ratios);
}

Json ratio(const Json& a, const Json& b) {
  if (!a.is_number() || !b.is_number() || b.get<double>() <= 0) return Json();
  return a.get<double>() / b.get<double>();
}

}  // namespace

Json spread(const std::vector<double>& values) {
  if (values.empty()) return Json{{"median", nullptr}, {"min", nullptr}, {"max", nullptr}, {"values", Json::array()}};
  return Json{{"median", median_of(values)},
              {"min", *std::min_element(values.begin(), values.end())},
              {"max", *std::max_element(values.begin(), values.end())},
              {"values", values}};
}

Json summarize(const Json& rows, const std::vector<std::string>& modes, const std::vector<int>& streams) {
  static const char* kFields[] = {"receiver_mbps", "sender_mbps", "loss_percent", "cpu/tunnel_s",
                                  "cpu/tunnel_client_s", "cpu/tunnel_server_s", "cpu/machine_busy_s",
                                  "cpu/machine_busy_percent", "cpu/tunnel_s_per_gb", "cpu/machine_s_per_gb",
                                  "cpu/iperf_client_s", "cpu/iperf_server_s", "iperf_sender_threads"};
  static const char* kLossPlaces[] = {"server_udp_rcvbuf", "server_udp_other_in_errors", "server_tun_dropped",
                                      "veth_dropped", "softnet_backlog_dropped", "client_tun_dropped",
                                      "client_udp_rcvbuf", "client_udp_other_in_errors", "unattributed",
                                      "missing"};
  Json out = Json::array();
  for (int s : streams) {
    const auto direct = rows_of(rows, "direct", s);
    const auto null_relay = rows_of(rows, "null-relay", s);
    const Json direct_median = spread_at(direct, "receiver_mbps")["median"];
    const Json null_median = spread_at(null_relay, "receiver_mbps")["median"];
    for (const std::string& mode : modes) {
      const auto mine = rows_of(rows, mode, s);
      if (mine.empty()) continue;
      Json e{{"mode", mode}, {"label", mine.front()->value("label", mode)}, {"streams", s}, {"runs", mine.size()}};
      for (const char* f : kFields) {
        std::string key = f;  // "cpu/tunnel_s" -> "cpu_tunnel_s"
        std::replace(key.begin(), key.end(), '/', '_');
        e[key] = spread_at(mine, f);
      }
      Json lost = Json::object();
      for (const char* p : kLossPlaces) lost[p] = spread_at(mine, std::string("where_lost/") + p)["median"];
      e["where_lost_median"] = lost;
      e["ratio_to_direct"] = ratio(e["receiver_mbps"]["median"], direct_median);
      e["ratio_to_direct_per_rep"] = per_rep_ratio(mine, direct);
      e["ratio_to_null_relay"] = ratio(e["receiver_mbps"]["median"], null_median);
      out.push_back(e);
    }
  }
  return out;
}

}  // namespace phantasm::bench
