// Fuzzes what udpgen receives: every input is either decoded with an intact header or rejected
// with a defect, and the receiver's per-flow tracking survives any sequence of them.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "harness/traffic/format/datagram.h"
#include "harness/traffic/format/traffic_receiver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace phantasm::traffic;
  const std::span<const uint8_t> bytes(data, size);
  const Decoded d = decode_datagram(bytes);
  if (d.ok && d.size != size) std::abort();
  // Feed the same bytes, split into a few datagrams, to a receiver.
  ReceiverLimits limits;
  limits.max_flows = 16;
  TrafficReceiver receiver(limits);
  size_t offset = 0;
  while (offset < size) {
    const size_t len = std::min<size_t>(size - offset, 1 + data[offset] * 4u);
    receiver.on_datagram(static_cast<uint32_t>(offset & 3), bytes.subspan(offset, len), offset);
    offset += len;
  }
  return 0;
}
