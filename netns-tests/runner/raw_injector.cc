#include "netns-tests/runner/raw_injector.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace phantasm::netns {

RawInjector::RawInjector() {
  fd4_ = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  fd6_ = ::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (fd4_ < 0 || fd6_ < 0) throw std::runtime_error(std::string("raw socket: ") + std::strerror(errno));
}

RawInjector::~RawInjector() {
  if (fd4_ >= 0) ::close(fd4_);
  if (fd6_ >= 0) ::close(fd6_);
}

bool RawInjector::send(std::span<const uint8_t> packet) {
  ssize_t n = -1;
  if (packet.size() >= 20 && packet[0] >> 4 == 4) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    std::memcpy(&to.sin_addr, packet.data() + 16, 4);
    n = ::sendto(fd4_, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  } else if (packet.size() >= 40 && packet[0] >> 4 == 6) {
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    std::memcpy(&to.sin6_addr, packet.data() + 24, 16);
    n = ::sendto(fd6_, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }
  if (n == static_cast<ssize_t>(packet.size())) {
    ++sent_;
    return true;
  }
  ++failed_;
  return false;
}

}  // namespace phantasm::netns
