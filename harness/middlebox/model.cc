#include "harness/middlebox/model.h"

namespace phantasm::middlebox {

void Pipeline::on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out) {
  if (models_.empty()) {
    out.push_back(Output{dir, Duration{0}, false, {packet.begin(), packet.end()}});
    return;
  }
  Output in{dir, Duration{0}, false, {packet.begin(), packet.end()}};
  // Position "before the first model" in the packet's direction.
  continue_from(dir == Direction::kClientToServer ? SIZE_MAX : models_.size(), std::move(in), now, out);
}

void Pipeline::continue_from(size_t index, Output in, Time now, Outputs& out) {
  // `index` is the model the packet just left; SIZE_MAX and size() stand for the client and
  // server edges. The next model is the neighbour in the packet's own direction, so a packet a
  // model turns back (a reset towards the sender) crosses the models it already passed.
  const bool towards_server = in.direction == Direction::kClientToServer;
  const size_t next = towards_server ? index + 1 : index - 1;  // SIZE_MAX + 1 wraps to 0
  if ((!towards_server && index == 0) || next >= models_.size()) {
    out.push_back(std::move(in));
    return;
  }
  Outputs step;
  models_[next]->on_packet(in.direction, in.bytes, now, step);
  for (Output& o : step) {
    o.delay += in.delay;
    o.injected = o.injected || in.injected;
    continue_from(next, std::move(o), now, out);
  }
}

void Pipeline::on_timer(Time now, Outputs& out) {
  for (size_t i = 0; i < models_.size(); ++i) {
    if (models_[i]->next_deadline() > now) continue;
    Outputs step;
    models_[i]->on_timer(now, step);
    for (Output& o : step) continue_from(i, std::move(o), now, out);
  }
}

Time Pipeline::next_deadline() const {
  Time t = Time::never();
  for (const auto& m : models_) t = earliest(t, m->next_deadline());
  return t;
}

void Pipeline::trigger(Time now, Outputs& out) {
  for (size_t i = 0; i < models_.size(); ++i) {
    Outputs step;
    models_[i]->trigger(now, step);
    for (Output& o : step) continue_from(i, std::move(o), now, out);
  }
}

}  // namespace phantasm::middlebox
