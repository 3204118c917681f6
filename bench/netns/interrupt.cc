#include "bench/netns/interrupt.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

namespace phantasm::bench {
namespace {

std::atomic<bool> interrupted{false};

void on_signal(int) { interrupted.store(true); }

}  // namespace

void install_interrupt_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

void throw_if_interrupted() {
  if (interrupted.load()) throw Interrupted();
}

void sleep_checked(int ms) {
  for (int slept = 0; slept < ms; slept += 50) {
    throw_if_interrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(ms - slept < 50 ? ms - slept : 50));
  }
  throw_if_interrupted();
}

}  // namespace phantasm::bench
