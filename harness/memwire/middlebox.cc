#include "harness/memwire/middlebox.h"

namespace phantasm::memwire {

Middlebox chain(Middlebox first, Middlebox second) {
  return [first = std::move(first), second = std::move(second)](Direction dir, std::span<const uint8_t> packet,
                                                                const Emit& emit) {
    const Middlebox& near = dir == Direction::kClientToServer ? first : second;
    const Middlebox& far = dir == Direction::kClientToServer ? second : first;
    // A delay added by the near box is carried over to whatever the far box emits for it.
    const Emit into_far(emit.now(), [&](std::span<const uint8_t> p, Duration held) {
      const Emit out(emit.now() + held, [&](std::span<const uint8_t> q, Duration more) { emit.after(held + more, q); });
      far(dir, p, out);
    });
    near(dir, packet, into_far);
  };
}

Middlebox chain(std::vector<Middlebox> boxes) {
  if (boxes.empty()) return pass_through;
  Middlebox result = std::move(boxes.front());
  for (size_t i = 1; i < boxes.size(); ++i) result = chain(std::move(result), std::move(boxes[i]));
  return result;
}

}  // namespace phantasm::memwire
