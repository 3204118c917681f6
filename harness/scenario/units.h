// Scalar notations of scenario files: durations ("250ms", "10s", "6m", "1.5h"), fractions
// ("1%", "0.01"), port ranges ("40000-40100", "4567") and udpgen's rate and size notations.
// Each parser returns nothing on malformed text; the caller reports where it was.
#pragma once

#include <optional>
#include <string_view>

#include "harness/scenario/scenario.h"

namespace phantasm::scenario {

std::optional<Millis> parse_duration(std::string_view text);
// "1%" is 0.01; a bare number must be within [0, 1].
std::optional<double> parse_fraction(std::string_view text);
std::optional<PortRange> parse_port_range(std::string_view text);
// udpgen --rate: "200pps", "10kpps", "5M", "500Mbit", "1.5G", a bare number (bit/s), "max".
bool is_rate(std::string_view text);
// udpgen --size: "1400", "64-1400", "64,576,1400", "64:7,576:4,1400:1"; 40..65507 bytes.
bool is_size(std::string_view text);

std::string format_duration(Millis d);

}  // namespace phantasm::scenario
