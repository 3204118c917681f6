// IPv4/IPv6 addresses and endpoints as plain values (network byte order bytes), with no
// dependency on the sockets API so that the engine stays free of system headers.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace phantasm {

enum class IpVersion : uint8_t { kV4 = 4, kV6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0

  static IpAddress v4(std::array<uint8_t, 4> b) {
    IpAddress a;
    a.version_ = IpVersion::kV4;
    std::memcpy(a.bytes_.data(), b.data(), 4);
    return a;
  }
  static IpAddress v4(uint32_t host_order) {
    return v4({static_cast<uint8_t>(host_order >> 24), static_cast<uint8_t>(host_order >> 16),
               static_cast<uint8_t>(host_order >> 8), static_cast<uint8_t>(host_order)});
  }
  static IpAddress v6(std::array<uint8_t, 16> b) {
    IpAddress a;
    a.version_ = IpVersion::kV6;
    a.bytes_ = b;
    return a;
  }
  static IpAddress from_bytes(IpVersion v, std::span<const uint8_t> b) {
    IpAddress a;
    a.version_ = v;
    std::memcpy(a.bytes_.data(), b.data(), v == IpVersion::kV4 ? 4 : 16);
    return a;
  }
  // Text forms "192.0.2.1" and "2001:db8::1" (no brackets, no zone).
  static std::optional<IpAddress> parse(std::string_view text);

  IpVersion version() const { return version_; }
  bool is_v4() const { return version_ == IpVersion::kV4; }
  bool is_v6() const { return version_ == IpVersion::kV6; }
  size_t size() const { return is_v4() ? 4 : 16; }
  std::span<const uint8_t> bytes() const { return {bytes_.data(), size()}; }
  // Multicast, broadcast or unspecified: never a valid unicast tunnel endpoint.
  bool is_unusable_unicast() const;

  std::string to_string() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

 private:
  IpVersion version_ = IpVersion::kV4;
  std::array<uint8_t, 16> bytes_{};  // v4 uses the first 4; the rest stay zero
};

struct SocketAddress {
  IpAddress ip;
  uint16_t port = 0;

  // "192.0.2.1:4567" or "[2001:db8::1]:4567".
  static std::optional<SocketAddress> parse(std::string_view text);
  std::string to_string() const;

  friend bool operator==(const SocketAddress&, const SocketAddress&) = default;
  friend auto operator<=>(const SocketAddress&, const SocketAddress&) = default;
};

// A fake-TCP connection as seen from one end: local is this engine's side.
struct FourTuple {
  SocketAddress local;
  SocketAddress remote;

  FourTuple reversed() const { return {remote, local}; }
  std::string to_string() const { return local.to_string() + " <-> " + remote.to_string(); }

  friend bool operator==(const FourTuple&, const FourTuple&) = default;
};

size_t hash_value(const SocketAddress& a);
size_t hash_value(const FourTuple& t);

}  // namespace phantasm

template <>
struct std::hash<phantasm::SocketAddress> {
  size_t operator()(const phantasm::SocketAddress& a) const { return phantasm::hash_value(a); }
};
template <>
struct std::hash<phantasm::FourTuple> {
  size_t operator()(const phantasm::FourTuple& t) const { return phantasm::hash_value(t); }
};
