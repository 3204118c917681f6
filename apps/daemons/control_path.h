// Where a daemon's control socket lives by default: shared by the daemons (which bind it) and
// `phantasm status` (which looks for it). No dependencies.
#pragma once

#include <string>
#include <string_view>

namespace phantasm::daemons {

inline constexpr std::string_view kControlDirectory = "/run/phantasm";

// /run/phantasm/<program>-<tun>.sock
inline std::string default_control_path(std::string_view program, std::string_view tun) {
  return std::string(kControlDirectory) + "/" + std::string(program) + "-" + std::string(tun) +
         ".sock";
}

}  // namespace phantasm::daemons
