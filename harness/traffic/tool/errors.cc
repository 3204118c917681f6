#include "harness/traffic/tool/errors.h"

#include <cstring>

namespace phantasm::traffic {

void throw_errno(const std::string& what, int error_number) {
  throw RuntimeError(what + ": " + std::strerror(error_number));
}

}  // namespace phantasm::traffic
