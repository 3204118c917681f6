#include "harness/middlebox/from_scenario.h"

#include "harness/middlebox/dpi_reset.h"
#include "harness/middlebox/impairments.h"
#include "harness/middlebox/isn_rewriter.h"
#include "harness/middlebox/mss_clamp.h"
#include "harness/middlebox/normaliser.h"
#include "harness/middlebox/option_stripper.h"
#include "harness/middlebox/rst_injector.h"

namespace phantasm::middlebox {

std::unique_ptr<Pipeline> build_pipeline(const scenario::Middlebox& box, uint64_t seed, Hosting hosting) {
  auto p = std::make_unique<Pipeline>();
  const bool everything = hosting == Hosting::kEverything;
  if (box.isn_rewrite) {
    p->add(std::make_unique<IsnRewriter>(box.isn_rewrite->client_offset, box.isn_rewrite->server_offset, seed));
  }
  if (box.strip_options && (everything || box.strip_options->via == scenario::Realisation::kRelay)) {
    const auto& s = *box.strip_options;
    StripSelection on;
    on.syn = s.on.syn;
    on.syn_ack = s.on.syn_ack;
    on.all_segments = s.all_segments;
    p->add(std::make_unique<OptionStripper>(s.kinds, on));
  }
  if (box.mss_clamp && everything) p->add(std::make_unique<MssClamp>(box.mss_clamp->mss));
  if (box.normaliser) {
    NormaliserConfig c;
    c.drop_conflicting_retransmissions = box.normaliser->drop_conflicting_retransmissions;
    c.block_above_hole = box.normaliser->block_above_hole;
    p->add(std::make_unique<Normaliser>(c));
  }
  if (box.dpi) p->add(std::make_unique<DpiReset>(box.dpi->allow_prefixes));
  if (box.rst_injection) {
    const auto& r = *box.rst_injection;
    RstInjectorConfig c;
    c.in_window = r.mode == scenario::RstMode::kInWindow;
    c.towards = static_cast<RstTarget>(r.towards);
    if (r.every) c.every = std::chrono::duration_cast<Duration>(*r.every);
    p->add(std::make_unique<RstInjector>(c, seed));
  }
  if (box.impairments) {
    const auto& i = *box.impairments;
    if (i.loss > 0) p->add(std::make_unique<Loss>(i.loss, seed));
    if (i.duplicate > 0) p->add(std::make_unique<Duplicate>(i.duplicate, seed));
    if (i.delay.count() > 0 || i.jitter.count() > 0) {
      p->add(std::make_unique<Delay>(std::chrono::duration_cast<Duration>(i.delay),
                                     std::chrono::duration_cast<Duration>(i.jitter), seed));
    }
  }
  return p;
}

}  // namespace phantasm::middlebox
