// The i386 page walk done by the host, for interrupt delivery (the IDT, GDT, TSS and the
// handler's stack are linear addresses), for the debugger and for audits. Unicorn's own
// walker cannot be used for this: it raises guest exceptions from inside host calls.
#pragma once

#include <cstdint>
#include <optional>

#include "emu/ram.h"

namespace kjump {

struct PagingRegs {
  uint32_t cr0 = 0, cr3 = 0, cr4 = 0;
};

enum class Access : uint8_t { Read, Write, Fetch };

struct Translation {
  bool ok = false;
  uint64_t pa = 0;
  uint32_t error_code = 0;  // #PF error code when !ok (P, W/R, U/S bits)
};

// Walks 2-level (with PSE 4 MiB pages) or PAE tables. Sets Accessed (and Dirty for writes)
// bits as the hardware does, unless `set_ad` is false (debugger reads must not change state).
Translation translate(GuestRam& ram, const PagingRegs& regs, uint32_t linear, Access access, bool user,
                      bool set_ad = true);

}  // namespace kjump
