// Linux's TCP connection tracking (net/netfilter/nf_conntrack_proto_tcp.c, 6.x kernels) for
// one connection, as a plain class: the state table, the window checks of tcp_in_window()
// (td_end / td_maxend / td_maxwin / td_scale), the verdicts ACCEPT / IGNORE / INVALID, be_liberal
// and loose, and the timeout each accepted packet sets (UNACK, RETRANS, CLOSE, per state).
// No ns-3, no clock: the caller passes each segment with its direction and gets a verdict and
// what to do with the entry's timer. middleboxes.md §B is the prose version of this file.
//
// Written from the kernel's behaviour, not its code: names follow the kernel's so that the two
// can be compared side by side (td_end, last_index, ...).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/core/time.h"
#include "sim/model/ip_packet.h"

namespace phantasm::sim {

enum class TcpCtState : uint8_t {
  kNone,
  kSynSent,
  kSynRecv,
  kEstablished,
  kFinWait,
  kCloseWait,
  kLastAck,
  kTimeWait,
  kClose,
  kSynSent2,
};
inline constexpr size_t kTcpCtStates = 10;

// As `conntrack -L` prints it.
std::string_view to_string(TcpCtState s);

enum class CtDir : uint8_t { kOriginal = 0, kReply = 1 };
constexpr CtDir other(CtDir d) { return d == CtDir::kOriginal ? CtDir::kReply : CtDir::kOriginal; }

// nf_conntrack_tcp_timeout_* (seconds in the sysctls).
struct TcpTimeouts {
  std::array<Duration, kTcpCtStates> state{
      Duration{0},                  // NONE: never used
      std::chrono::minutes(2),      // SYN_SENT
      std::chrono::seconds(60),     // SYN_RECV
      std::chrono::hours(24 * 5),   // ESTABLISHED
      std::chrono::minutes(2),      // FIN_WAIT
      std::chrono::seconds(60),     // CLOSE_WAIT
      std::chrono::seconds(30),     // LAST_ACK
      std::chrono::minutes(2),      // TIME_WAIT
      std::chrono::seconds(10),     // CLOSE
      std::chrono::minutes(2),      // SYN_SENT2
  };
  Duration retrans = std::chrono::minutes(5);  // _max_retrans
  Duration unack = std::chrono::minutes(5);    // _unacknowledged

  Duration of(TcpCtState s) const { return state[static_cast<size_t>(s)]; }
};

// One namespace's TCP conntrack sysctls (middleboxes.md §B.3); defaults are the kernel's.
struct TcpCtSettings {
  bool be_liberal = false;
  bool loose = true;
  bool ignore_invalid_rst = false;
  int max_retrans = 3;
  bool checksum = true;  // nf_conntrack_checksum: verify TCP checksums at PRE_ROUTING
  TcpTimeouts timeouts;
};

enum class TcpVerdict : uint8_t {
  kAccept,   // tracked; the entry's timer is set to Result::timeout when there is one
  kIgnore,   // accepted with the entry attached, nothing learnt, timer left alone
  kInvalid,  // -NF_ACCEPT: no entry attached ("ct state invalid"), counted in conntrack -S
  kReopen,   // the entry must go and the packet be looked up again as a new connection
};
std::string_view to_string(TcpVerdict v);

// The entry's status bits the TCP tracker reads and sets (IPS_SEEN_REPLY, IPS_ASSURED).
struct CtStatus {
  bool seen_reply = false;
  bool assured = false;
};

class TcpConntrack {
 public:
  // Per-direction window tracking data (struct ip_ct_tcp_state).
  struct Side {
    uint32_t td_end = 0;     // highest seq + len seen
    uint32_t td_maxend = 0;  // highest ack + window seen from the other side
    uint32_t td_maxwin = 0;  // largest window seen (0: nothing seen from this side yet)
    uint32_t td_maxack = 0;  // highest ack sent
    uint8_t td_scale = 0;
    uint8_t flags = 0;       // kFlag* below
  };
  static constexpr uint8_t kFlagWindowScale = 0x01;
  static constexpr uint8_t kFlagSackPerm = 0x02;
  static constexpr uint8_t kFlagCloseInit = 0x04;
  static constexpr uint8_t kFlagBeLiberal = 0x08;
  static constexpr uint8_t kFlagDataUnacknowledged = 0x10;
  static constexpr uint8_t kFlagMaxAckSet = 0x20;
  // last_flags only:
  static constexpr uint8_t kFlagChallengeAck = 0x40;
  static constexpr uint8_t kFlagSimultaneousOpen = 0x80;

  struct Result {
    TcpVerdict verdict = TcpVerdict::kInvalid;
    // Accepted packets set the timer to this from now; nothing: leave it.
    std::optional<Duration> timeout;
    // The entry goes after this (accepted) packet: a RST answering before any reply.
    bool kill = false;
  };

  // tcp_error(): truncated header, bad checksum (when `check_checksum`), impossible flags.
  static bool is_malformed(const TcpFields& tcp, bool checksum_ok, bool check_checksum);

  // tcp_new(): the state of a connection whose first packet this is, or nothing when such a
  // packet cannot open one (INVALID): anything but a SYN with loose off, RST, FIN, SYN-ACK, none.
  static std::optional<TcpConntrack> open(const TcpFields& tcp, const TcpCtSettings& settings);

  // One well-formed segment travelling `dir` (nf_conntrack_tcp_packet()). `status` belongs to the
  // entry and may change (ASSURED); `remaining` is how long the entry's timer still runs, which an
  // INVALID FIN/RST may shorten (then Result::timeout is set even though the verdict is INVALID).
  Result on_packet(CtDir dir, const TcpFields& tcp, CtStatus& status, Duration remaining,
                   const TcpCtSettings& settings);

  TcpCtState state() const { return state_; }
  const Side& side(CtDir d) const { return seen_[static_cast<size_t>(d)]; }
  uint8_t retrans() const { return retrans_; }

 private:
  enum Index : uint8_t { kSyn, kSynAck, kFin, kAck, kRst, kNone };
  static Index index_of(uint8_t flags);

  Side& seen(CtDir d) { return seen_[static_cast<size_t>(d)]; }
  TcpVerdict in_window(CtDir dir, Index index, const TcpFields& tcp, const TcpCtSettings& settings);
  void init_sender(CtDir dir, const TcpFields& tcp, uint32_t end, uint32_t win);
  std::optional<Duration> handle_invalid(CtDir dir, Index index, const CtStatus& status, Duration remaining,
                                         const TcpCtSettings& settings);
  void note_ignored(CtDir dir, Index index, const TcpFields& tcp, TcpCtState old_state);

  TcpCtState state_ = TcpCtState::kNone;
  std::array<Side, 2> seen_{};
  // The last packet that changed or was ignored (last_dir, last_index, last_seq, ...).
  CtDir last_dir_ = CtDir::kOriginal;
  Index last_index_ = kNone;
  uint32_t last_seq_ = 0;
  uint32_t last_ack_ = 0;
  uint32_t last_end_ = 0;
  uint16_t last_win_ = 0;
  uint8_t last_wscale_ = 0;
  uint8_t last_flags_ = 0;
  uint8_t retrans_ = 0;
};

// Window-scale and SACK-permitted options as tcp_options() reads them (scale capped at 14).
struct TcpHandshakeOptions {
  bool window_scale = false;
  uint8_t scale = 0;
  bool sack_permitted = false;
};
TcpHandshakeOptions read_handshake_options(std::span<const uint8_t> options);

// The highest right edge of the SACK blocks, if it is after `ack` (tcp_sack()).
uint32_t highest_sack(std::span<const uint8_t> options, uint32_t ack);

}  // namespace phantasm::sim
