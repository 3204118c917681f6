// When each udpgen flow's datagrams arrived, at the sink and back at the sender (the netns
// runner's loopback captures, netns-tests/runner/capture_analysis.h FlowGaps), and what that says
// about outages: a flow's silence counts when it is longer than max(0.5 s, 10 x the flow's mean
// interval); after a disruptive event every flow whose session was running must resume, and the
// recovery is the worst time from an event to the end of the silence it caused.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/time.h"

namespace phantasm::sim {

enum class ArrivalPlace : uint8_t { kSink, kEcho };

class FlowArrivals {
 public:
  void on_datagram(ArrivalPlace place, uint32_t session, uint32_t flow, Time t);

  struct Outage {
    double longest_gap = 0;            // seconds, any flow, silences that count only
    std::string longest_gap_flow;
    std::optional<double> recovery;    // worst over events and flows; nothing if one never resumed
    std::string worst_recovery_flow;
    std::vector<std::string> unrecovered;
  };
  Outage outage(const std::vector<Time>& events, Duration slack) const;

 private:
  struct Key {
    ArrivalPlace place;
    uint32_t session;
    uint32_t flow;
    friend auto operator<=>(const Key&, const Key&) = default;
  };
  struct Trace {
    uint64_t count = 0;
    Time first;
    Time last;
    std::vector<std::pair<Time, Time>> silences;  // of 100 ms or more
  };
  static std::string name(const Key& k);

  std::map<Key, Trace> flows_;
  std::map<std::pair<ArrivalPlace, uint32_t>, Time> session_last_;
};

}  // namespace phantasm::sim
