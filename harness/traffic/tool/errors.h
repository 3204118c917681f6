// The two ways a udpgen run fails, which the command line maps to distinct exit statuses:
// a UsageError (bad option value: exit 2) and a RuntimeError (resolve, bind, socket: exit 1).
// Both carry one line meant for the user, without a trailing newline.
#pragma once

#include <stdexcept>
#include <string>

namespace phantasm::traffic {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A RuntimeError naming the failed call and errno's text: "bind 127.0.0.1:9: Permission denied".
[[noreturn]] void throw_errno(const std::string& what, int error_number);

}  // namespace phantasm::traffic
