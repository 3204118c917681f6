#include "harness/linux/socket_address.h"

#include <netdb.h>

#include <charconv>
#include <cstring>
#include <memory>
#include <string>

#include "harness/linux/setup_error.h"

namespace phantasm::linux_host {

int address_family(const IpAddress& ip) { return ip.is_v4() ? AF_INET : AF_INET6; }

RawSockaddr to_sockaddr(const SocketAddress& address) {
  RawSockaddr raw;
  if (address.ip.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(address.port);
    std::memcpy(&sin.sin_addr, address.ip.bytes().data(), 4);
    std::memcpy(&raw.storage, &sin, sizeof sin);
    raw.length = sizeof sin;
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(address.port);
    std::memcpy(&sin6.sin6_addr, address.ip.bytes().data(), 16);
    std::memcpy(&raw.storage, &sin6, sizeof sin6);
    raw.length = sizeof sin6;
  }
  return raw;
}

std::optional<SocketAddress> from_sockaddr(const sockaddr_storage& storage, socklen_t length) {
  if (storage.ss_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in sin;
    std::memcpy(&sin, &storage, sizeof sin);
    return SocketAddress{
        IpAddress::from_bytes(IpVersion::kV4, {reinterpret_cast<const uint8_t*>(&sin.sin_addr), 4}),
        ntohs(sin.sin_port)};
  }
  if (storage.ss_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, &storage, sizeof sin6);
    return SocketAddress{
        IpAddress::from_bytes(IpVersion::kV6, {reinterpret_cast<const uint8_t*>(&sin6.sin6_addr), 16}),
        ntohs(sin6.sin6_port)};
  }
  return std::nullopt;
}

namespace {

struct AddrinfoDeleter {
  void operator()(addrinfo* list) const { freeaddrinfo(list); }
};

// Splits "host:port" / "[v6]:port" into its parts; nothing when the shape is wrong.
std::optional<std::pair<std::string, uint16_t>> split_host_port(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // bare IPv6 needs []
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
      value > 65535) {
    return std::nullopt;
  }
  return std::pair{std::string(host), static_cast<uint16_t>(value)};
}

}  // namespace

SocketAddress resolve(std::string_view host_port, bool ipv4_only) {
  auto parts = split_host_port(host_port);
  if (!parts) {
    throw SetupError("'" + std::string(host_port) + "' is not HOST:PORT (IPv6 as [ADDR]:PORT)");
  }
  addrinfo hints{};
  hints.ai_family = ipv4_only ? AF_INET : AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* raw_list = nullptr;
  int rc = getaddrinfo(parts->first.c_str(), nullptr, &hints, &raw_list);
  if (rc != 0) {
    throw SetupError("cannot resolve '" + parts->first + "': " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, AddrinfoDeleter> list(raw_list);
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    sockaddr_storage storage{};
    std::memcpy(&storage, ai->ai_addr, ai->ai_addrlen);
    if (auto address = from_sockaddr(storage, ai->ai_addrlen)) {
      address->port = parts->second;
      return *address;
    }
  }
  throw SetupError("cannot resolve '" + parts->first + "': no " + (ipv4_only ? "IPv4 " : "") +
                   "address");
}

}  // namespace phantasm::linux_host
