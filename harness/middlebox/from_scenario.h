// Builds the model pipeline of one scenario middlebox. The netns relay asks only for what the
// kernel cannot do (kRelayOnly: the kernel does TCPMSS and nft option resets itself); the
// simulation asks for every modelled behaviour (kEverything). Firewall and NAT are not models
// here: they are the kernel's in netns and the simulation's own conntrack/NAT models.
#pragma once

#include <memory>

#include "harness/middlebox/model.h"
#include "harness/scenario/scenario.h"

namespace phantasm::middlebox {

enum class Hosting : uint8_t { kRelayOnly, kEverything };

// Order: number rewriting, option edits, normaliser, DPI, RST injection, then the impairments
// (loss, duplication, delay last, so delays are where the box releases packets).
std::unique_ptr<Pipeline> build_pipeline(const scenario::Middlebox& box, uint64_t seed, Hosting hosting);

}  // namespace phantasm::middlebox
