// Classic 16-bytes-per-line hex dump: "00000000: 48 65 ... |He..|".
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace kjump {

void hexdump(const void* data, size_t len, uint32_t base_offset);

}  // namespace kjump
