// Cross-checks a parsed scenario: names unique and usable as namespace names, events and checks
// pointing at boxes that exist and can do what is asked, behaviours that cannot share a box.
// Returns every problem, each located (file:line:column: ...); empty when the scenario is sound.
#pragma once

#include <string>
#include <vector>

#include "harness/scenario/scenario.h"

namespace phantasm::scenario {

std::vector<std::string> validate(const Scenario& s);

// Option kinds the kernel path (nft `reset tcp option`) can name.
bool kernel_can_strip(uint8_t kind);

}  // namespace phantasm::scenario
