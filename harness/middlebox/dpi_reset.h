// DPI that resets what it does not recognise (middleboxes.md C.12): the first payload of each
// connection, from either side, must start with one of the allowed prefixes (say "GET " or a
// TLS record "\x16\x03"). Otherwise the segment is dropped, a RST goes to both ends at exactly
// the sequence numbers they expect, and the connection stays blocked: each later data segment
// is dropped and reset again (at most one pair per connection every 100 ms).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/middlebox/flow_table.h"
#include "harness/middlebox/model.h"

namespace phantasm::middlebox {

class DpiReset : public Model {
 public:
  explicit DpiReset(std::vector<std::string> allowed_prefixes) : allowed_(std::move(allowed_prefixes)) {}

  void on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out) override;
  std::string_view name() const override { return "dpi"; }

  uint64_t connections_blocked() const { return blocked_; }
  uint64_t connections_allowed() const { return allowed_count_; }

 private:
  enum class Verdict : uint8_t { kUndecided, kAllowed, kBlocked };
  struct Conn {
    Verdict verdict = Verdict::kUndecided;
    Time last_reset = Time::zero();
    bool reset_sent = false;
  };

  bool recognised(std::span<const uint8_t> payload) const;
  void reset_both(Direction dir, const TcpFields& f, Conn& c, Time now, Outputs& out);

  std::vector<std::string> allowed_;
  std::map<FlowKey, Conn> conns_;
  uint64_t blocked_ = 0;
  uint64_t allowed_count_ = 0;
};

}  // namespace phantasm::middlebox
