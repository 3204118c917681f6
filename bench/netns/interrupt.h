// Ctrl-C and SIGTERM during a bench: the handler only sets a flag; the run checks it between
// steps and unwinds with an exception, so that every daemon is stopped and every namespace
// deleted by the destructors on the way out.
#pragma once

#include <stdexcept>

namespace phantasm::bench {

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

void install_interrupt_handlers();
void throw_if_interrupted();
// Sleeps `ms`, waking every 50 ms to check for an interrupt.
void sleep_checked(int ms);

}  // namespace phantasm::bench
