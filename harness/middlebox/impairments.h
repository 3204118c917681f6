// Link impairments, seeded: loss, delay with jitter (uniform extra delay, so packets overtake
// each other: reordering), and duplication. This kernel has no netem; the relay hosts these.
#pragma once

#include "engine/core/rng.h"
#include "harness/middlebox/model.h"

namespace phantasm::middlebox {

class Loss : public Model {
 public:
  Loss(double probability, uint64_t seed) : p_(probability), rng_(seed ^ 0x1055ull) {}
  void on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out) override;
  std::string_view name() const override { return "loss"; }

 private:
  double p_;
  Rng rng_;
};

class Delay : public Model {
 public:
  Delay(Duration delay, Duration jitter, uint64_t seed) : delay_(delay), jitter_(jitter), rng_(seed ^ 0xDE1Aull) {}
  void on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out) override;
  std::string_view name() const override { return "delay"; }

 private:
  Duration delay_;
  Duration jitter_;
  Rng rng_;
};

class Duplicate : public Model {
 public:
  Duplicate(double probability, uint64_t seed) : p_(probability), rng_(seed ^ 0xD0Bull) {}
  void on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out) override;
  std::string_view name() const override { return "duplicate"; }

 private:
  double p_;
  Rng rng_;
};

}  // namespace phantasm::middlebox
