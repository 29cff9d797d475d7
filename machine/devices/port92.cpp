#include "machine/devices/port92.h"

#include "machine/bus.h"

namespace kjump {

Port92::Port92(std::function<void(bool)> on_a20, std::function<void()> on_reset_request)
    : Device("port92"), on_a20_(std::move(on_a20)), on_reset_request_(std::move(on_reset_request)) {}

void Port92::map(Bus& bus) { bus.map_io(kPort, 1, this, "port92"); }

uint32_t Port92::io_read(uint16_t port, unsigned size) {
  // A wider read reaches unassigned ports above 0x92, which read as all ones.
  uint32_t v = outport_;
  for (unsigned i = 1; i < size; ++i) v |= 0xFFu << (8 * i);
  return v;
}

void Port92::io_write(uint16_t port, unsigned size, uint32_t value) {
  uint8_t old = outport_;
  outport_ = uint8_t(value);
  if (((old ^ outport_) & 0x02) && on_a20_) on_a20_(outport_ & 0x02);
  if ((outport_ & 1) && !(old & 1) && on_reset_request_) on_reset_request_();
}

}  // namespace kjump
