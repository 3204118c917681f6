#include "engine/wire/ip_address.h"

#include <charconv>
#include <cstdio>

namespace phantasm {
namespace {

std::optional<std::array<uint8_t, 4>> parse_v4(std::string_view s) {
  std::array<uint8_t, 4> out{};
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (pos >= s.size() || s[pos] != '.') return std::nullopt;
      ++pos;
    }
    unsigned value = 0;
    const char* begin = s.data() + pos;
    const char* end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(begin, end, value);
    const size_t digits = static_cast<size_t>(ptr - begin);
    if (ec != std::errc{} || value > 255 || digits == 0 || digits > 3) return std::nullopt;
    if (digits > 1 && *begin == '0') return std::nullopt;  // no octal-looking forms
    out[static_cast<size_t>(i)] = static_cast<uint8_t>(value);
    pos += digits;
  }
  if (pos != s.size()) return std::nullopt;
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 4291 §2.2 text forms, including "::" compression and a trailing dotted quad.
std::optional<std::array<uint8_t, 16>> parse_v6(std::string_view s) {
  std::array<uint16_t, 8> groups{};
  int count = 0;
  int gap = -1;  // index where "::" was seen
  size_t pos = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    pos = 2;
  } else if (!s.empty() && s[0] == ':') {
    return std::nullopt;
  }
  while (pos < s.size()) {
    if (count == 8) return std::nullopt;
    // A trailing IPv4 part takes two groups.
    const size_t next_colon = s.find(':', pos);
    const std::string_view token = s.substr(pos, next_colon == std::string_view::npos ? s.npos : next_colon - pos);
    if (token.find('.') != std::string_view::npos) {
      if (next_colon != std::string_view::npos || count > 6) return std::nullopt;
      auto v4 = parse_v4(token);
      if (!v4) return std::nullopt;
      groups[static_cast<size_t>(count++)] = static_cast<uint16_t>((*v4)[0] << 8 | (*v4)[1]);
      groups[static_cast<size_t>(count++)] = static_cast<uint16_t>((*v4)[2] << 8 | (*v4)[3]);
      pos = s.size();
      break;
    }
    if (token.empty() || token.size() > 4) return std::nullopt;
    unsigned value = 0;
    for (char c : token) {
      const int d = hex_digit(c);
      if (d < 0) return std::nullopt;
      value = value << 4 | static_cast<unsigned>(d);
    }
    groups[static_cast<size_t>(count++)] = static_cast<uint16_t>(value);
    pos += token.size();
    if (pos == s.size()) break;
    ++pos;  // the ':'
    if (pos < s.size() && s[pos] == ':') {
      if (gap >= 0) return std::nullopt;
      gap = count;
      ++pos;
    } else if (pos == s.size()) {
      return std::nullopt;  // trailing single ':'
    }
  }
  std::array<uint16_t, 8> full{};
  if (gap >= 0) {
    if (count > 7) return std::nullopt;
    const int tail = count - gap;
    for (int i = 0; i < gap; ++i) full[static_cast<size_t>(i)] = groups[static_cast<size_t>(i)];
    for (int i = 0; i < tail; ++i)
      full[static_cast<size_t>(8 - tail + i)] = groups[static_cast<size_t>(gap + i)];
  } else {
    if (count != 8) return std::nullopt;
    full = groups;
  }
  std::array<uint8_t, 16> out{};
  for (size_t i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<uint8_t>(full[i] >> 8);
    out[2 * i + 1] = static_cast<uint8_t>(full[i]);
  }
  return out;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    if (auto b = parse_v6(text)) return IpAddress::v6(*b);
    return std::nullopt;
  }
  if (auto b = parse_v4(text)) return IpAddress::v4(*b);
  return std::nullopt;
}

bool IpAddress::is_unusable_unicast() const {
  if (is_v4()) {
    const bool unspecified = bytes_[0] == 0 && bytes_[1] == 0 && bytes_[2] == 0 && bytes_[3] == 0;
    const bool multicast = (bytes_[0] & 0xF0) == 0xE0;
    const bool broadcast = bytes_[0] == 255 && bytes_[1] == 255 && bytes_[2] == 255 && bytes_[3] == 255;
    return unspecified || multicast || broadcast;
  }
  bool all_zero = true;
  for (auto b : bytes_) all_zero = all_zero && b == 0;
  return all_zero || bytes_[0] == 0xFF;
}

std::string IpAddress::to_string() const {
  char buf[64];
  if (is_v4()) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", bytes_[0], bytes_[1], bytes_[2], bytes_[3]);
    return buf;
  }
  // RFC 5952: lower case, longest run (>= 2) of zero groups compressed, first one on ties.
  uint16_t g[8];
  for (size_t i = 0; i < 8; ++i) g[i] = static_cast<uint16_t>(bytes_[2 * i] << 8 | bytes_[2 * i + 1]);
  int best_start = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) { ++i; continue; }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) { best_start = i; best_len = j - i; }
    i = j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
  }
  return out;
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // v6 needs brackets
  }
  auto ip = IpAddress::parse(host);
  if (!ip) return std::nullopt;
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || ptr != port.data() + port.size() || port.empty() || value > 65535)
    return std::nullopt;
  return SocketAddress{*ip, static_cast<uint16_t>(value)};
}

// Appended piece by piece: g++ 12 at -O3 raises a false -Wrestrict on `"[" + std::string`
// (GCC PR 105329), which -Werror turns into a failed release build.
std::string SocketAddress::to_string() const {
  std::string out;
  if (ip.is_v6()) out += '[';
  out += ip.to_string();
  if (ip.is_v6()) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

namespace {
size_t mix(size_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
  return h;
}
}  // namespace

size_t hash_value(const SocketAddress& a) {
  size_t h = static_cast<size_t>(a.ip.version());
  uint64_t words[2] = {0, 0};
  std::memcpy(words, a.ip.bytes().data(), a.ip.size());
  h = mix(h, words[0]);
  h = mix(h, words[1]);
  return mix(h, a.port);
}

size_t hash_value(const FourTuple& t) { return mix(hash_value(t.local), hash_value(t.remote)); }

}  // namespace phantasm
