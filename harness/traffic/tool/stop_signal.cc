#include "harness/traffic/tool/stop_signal.h"

namespace phantasm::traffic {
namespace {

std::atomic<bool> g_stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

void on_stop_signal(int) { g_stop_requested.store(true, std::memory_order_relaxed); }

}  // namespace

StopSignal::StopSignal() {
  g_stop_requested.store(false);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: interrupt blocking calls
  sigaction(SIGINT, &action, &previous_int_);
  sigaction(SIGTERM, &action, &previous_term_);
}

StopSignal::~StopSignal() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
}

const std::atomic<bool>& StopSignal::flag() const { return g_stop_requested; }

}  // namespace phantasm::traffic
