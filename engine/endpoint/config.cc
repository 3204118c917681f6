#include "engine/endpoint/config.h"

#include <algorithm>

namespace phantasm {

std::optional<std::string> validate(const EngineConfig& c) {
  if (c.role == Role::kClient) {
    if (c.remote.port == 0) return "remote port must not be 0";
    if (c.remote.ip.is_unusable_unicast()) return "remote address " + c.remote.ip.to_string() + " is not a unicast address";
    if (!c.local_v4.is_v4()) return "local IPv4 address is not IPv4";
    if (c.local_v6 && !c.local_v6->is_v6()) return "local IPv6 address is not IPv6";
    if (c.remote.ip.is_v6() && !c.local_v6) return "remote is IPv6 but no local IPv6 address is configured";
    if (c.port_min == 0 || c.port_min > c.port_max) return "client port range is empty or starts at 0";
  } else {
    if (c.listen_ports.empty()) return "server needs at least one listening port";
    if (std::find(c.listen_ports.begin(), c.listen_ports.end(), 0) != c.listen_ports.end())
      return "listening port 0 is not allowed";
  }
  if (c.handshake_attempts < 1) return "handshake attempts must be at least 1";
  if (c.handshake_timeout <= Duration::zero()) return "handshake timeout must be positive";
  if (c.idle_timeout <= Duration::zero()) return "idle timeout must be positive";
  if (c.ack_delay <= Duration::zero()) return "ACK delay must be positive";
  if (c.keepalive_interval <= Duration::zero()) return "keepalive interval must be positive";
  if (c.dead_after <= c.keepalive_interval) return "dead-path time must be longer than the keepalive interval";
  if (c.phantun_dead_after < Duration::zero()) return "Phantun dead-path time must not be negative";
  if (c.reconnect_backoff_min <= Duration::zero() || c.reconnect_backoff_max < c.reconnect_backoff_min)
    return "reconnect backoff must satisfy 0 < min <= max";
  if (c.session_hold < Duration::zero()) return "session hold must not be negative";
  if (c.ack_every_bytes == 0) return "ack_every_bytes must be positive";
  if (c.max_flows == 0 || c.max_half_open == 0) return "flow limits must be positive";
  if (c.max_datagram == 0 || c.max_datagram > 65535 - 60) return "max datagram must be within 1..65475";
  if (c.handshake_packet.size() > c.max_datagram) return "handshake packet is larger than the maximum datagram";
  if (c.rx_window_ahead == 0 || c.rx_window_ahead > (1u << 31) - 1 || c.rx_window_behind > (1u << 31) - 1)
    return "receive acceptance window out of range";
  return std::nullopt;
}

}  // namespace phantasm
