#include "harness/traffic/format/traffic_counts.h"

#include <algorithm>

namespace phantasm::traffic {

TrafficCounts& TrafficCounts::operator+=(const TrafficCounts& other) {
  sent += other.sent;
  received += other.received;
  delivered += other.delivered;
  corrupted += other.corrupted;
  duplicated += other.duplicated;
  reordered += other.reordered;
  stale += other.stale;
  untracked += other.untracked;
  lost += other.lost;
  delivered_bytes += other.delivered_bytes;
  if (other.first_arrival_ns != 0) {
    first_arrival_ns = first_arrival_ns == 0 ? other.first_arrival_ns
                                             : std::min(first_arrival_ns, other.first_arrival_ns);
  }
  last_arrival_ns = std::max(last_arrival_ns, other.last_arrival_ns);
  if (other.sent_source == SentSource::inferred) sent_source = SentSource::inferred;
  for (size_t i = 0; i < defects.size(); ++i) defects[i] += other.defects[i];
  return *this;
}

}  // namespace phantasm::traffic
