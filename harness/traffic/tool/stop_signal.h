// SIGINT/SIGTERM end a udpgen run cleanly (the report is still printed). While a StopSignal is
// alive the two signals set its flag instead of killing the process; the previous handlers come
// back when it is destroyed. The handlers are installed without SA_RESTART, so a blocking
// poll or sleep returns early and the run notices at once.
#pragma once

#include <atomic>
#include <csignal>

namespace phantasm::traffic {

class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // The flag the runs poll; a lock-free atomic is safe to set from a signal handler.
  const std::atomic<bool>& flag() const;

 private:
  struct sigaction previous_int_{};
  struct sigaction previous_term_{};
};

}  // namespace phantasm::traffic
