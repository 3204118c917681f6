// Log setup: one line per event on stderr (journald adds its own timestamps, but a terminal
// needs them). The level comes from PHANTASM_LOG, or RUST_LOG for drop-in use with Phantun's
// unit files: error | warn | info | debug | trace | off.
#pragma once

#include <string>

namespace phantasm::daemons {

// Configures the default logger; returns a warning to log when the variable was not understood.
std::string setup_logging();

}  // namespace phantasm::daemons
