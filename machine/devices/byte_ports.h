// Wide accesses to byte-wide device registers.
//
// QEMU's PIC, PIT, UART and RTC register files are byte-wide ("impl.max_access_size = 1"):
// the memory core splits a 16/32-bit access into consecutive byte accesses, lowest port
// first, and assembles the result little-endian. A byte that falls outside the device reads
// as 0xFF (the unassigned-port value), so `read_byte` should return 0xFF for such ports.
#pragma once

#include <cstdint>

namespace kjump {

template <class ReadByte>
uint32_t read_bytewise(uint16_t port, unsigned size, ReadByte&& read_byte) {
  uint32_t v = 0;
  for (unsigned i = 0; i < size; ++i) v |= uint32_t(read_byte(uint16_t(port + i))) << (8 * i);
  return v;
}

template <class WriteByte>
void write_bytewise(uint16_t port, unsigned size, uint32_t value, WriteByte&& write_byte) {
  for (unsigned i = 0; i < size; ++i) write_byte(uint16_t(port + i), uint8_t(value >> (8 * i)));
}

}  // namespace kjump
