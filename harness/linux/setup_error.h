// Errors while setting the host up (TUN, addresses, sockets). They end the daemon with one line
// that says what to do, so the message is written for the operator, not the developer.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace phantasm::linux_host {

class SetupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "what: strerror(err)".
std::string errno_text(std::string_view what, int err);

// Throws SetupError for `what` failing with `err`; EPERM/EACCES name the privilege needed.
[[noreturn]] void throw_setup_error(std::string_view what, int err);

}  // namespace phantasm::linux_host
