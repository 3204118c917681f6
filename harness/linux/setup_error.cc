#include "harness/linux/setup_error.h"

#include <cerrno>
#include <cstring>

namespace phantasm::linux_host {

std::string errno_text(std::string_view what, int err) {
  std::string text(what);
  text += ": ";
  text += std::strerror(err);
  return text;
}

void throw_setup_error(std::string_view what, int err) {
  if (err == EPERM || err == EACCES) {
    throw SetupError(errno_text(what, err) + " (needs root or CAP_NET_ADMIN)");
  }
  throw SetupError(errno_text(what, err));
}

}  // namespace phantasm::linux_host
