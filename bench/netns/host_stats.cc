#include "bench/netns/host_stats.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "netns-tests/runner/process.h"

namespace phantasm::bench {
namespace {

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// /proc/net/snmp comes in pairs of lines: "Udp: Name Name ..." then "Udp: 1 2 ...".
Json snmp_section(const std::string& text, const std::string& tag) {
  Json section = Json::object();
  std::istringstream in(text);
  std::string header, values;
  while (std::getline(in, header)) {
    if (header.rfind(tag + ":", 0) != 0 || !std::getline(in, values)) continue;
    const auto names = words(header), numbers = words(values);
    for (size_t i = 1; i < names.size() && i < numbers.size(); ++i) section[names[i]] = std::stoll(numbers[i]);
    break;
  }
  return section;
}

Json link_counters(const std::string& ns) {
  Json links = Json::object();
  const auto r = netns::run_in(ns, {"ip", "-s", "-j", "link", "show"});
  if (r.status != 0) return links;
  const Json parsed = Json::parse(r.output, nullptr, false);
  if (!parsed.is_array()) return links;
  for (const Json& link : parsed) {
    if (!link.contains("ifname") || !link.contains("stats64")) continue;
    const Json& s = link["stats64"];
    Json c;
    for (const char* dir : {"rx", "tx"}) {
      if (!s.contains(dir)) continue;
      for (const char* field : {"packets", "bytes", "dropped", "errors"}) {
        if (s[dir].contains(field)) c[std::string(dir) + "_" + field] = s[dir][field];
      }
    }
    links[link["ifname"].get<std::string>()] = c;
  }
  return links;
}

}  // namespace

Json namespace_counters(const std::string& ns) {
  const auto snmp = netns::run_in(ns, {"cat", "/proc/net/snmp"});
  return Json{{"udp", snmp_section(snmp.output, "Udp")},
              {"ip", snmp_section(snmp.output, "Ip")},
              {"links", link_counters(ns)}};
}

Json machine_counters() {
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::ifstream stat("/proc/stat");
  std::string line;
  std::getline(stat, line);  // "cpu  user nice system idle iowait irq softirq steal ..."
  const auto f = words(line);
  Json m;
  const char* names[] = {"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"};
  double total = 0;
  for (size_t i = 0; i < 8 && i + 1 < f.size(); ++i) {
    const double seconds = std::stod(f[i + 1]) / tick;
    m[names[i]] = seconds;
    total += seconds;
  }
  m["total"] = total;
  m["busy"] = total - m.value("idle", 0.0) - m.value("iowait", 0.0);
  // Column 2 of every CPU's row, in hex: packets dropped because the backlog was full.
  std::ifstream softnet("/proc/net/softnet_stat");
  long long dropped = 0;
  while (std::getline(softnet, line)) {
    const auto cols = words(line);
    if (cols.size() > 1) dropped += std::stoll(cols[1], nullptr, 16);
  }
  m["softnet_dropped"] = dropped;
  return m;
}

double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return -1;
  // The command name may hold spaces and parentheses: fields count from the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  const auto f = words(text.substr(close + 1));  // f[0] is field 3 (state)
  if (f.size() < 13) return -1;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return (std::stod(f[11]) + std::stod(f[12])) / tick;  // fields 14 utime, 15 stime
}

int process_threads(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return 0;
}

Json counter_delta(const Json& before, const Json& after) {
  if (after.is_object()) {
    Json d = Json::object();
    for (auto it = after.begin(); it != after.end(); ++it) {
      d[it.key()] = before.is_object() && before.contains(it.key()) ? counter_delta(before[it.key()], it.value())
                                                                     : counter_delta(Json(), it.value());
    }
    return d;
  }
  if (after.is_number_integer() && before.is_number_integer()) return after.get<long long>() - before.get<long long>();
  if (after.is_number() && before.is_number()) return after.get<double>() - before.get<double>();
  return after;
}

}  // namespace phantasm::bench
