// Where Unicorn keeps the CPU fields it does not expose as registers.
//
// Unicorn never runs QEMU's interrupt delivery, so the host must: and for that it needs the
// exception error code, the "software interrupt" flag, QEMU's old_exception (whose stale
// value turns the next fault into a spurious #DF, Unicorn issue #1883) and hflags (CPL and
// the STI/MOV SS interrupt shadow). They live only inside the uc_context blob, a raw copy of
// CPUX86State. Their offsets are found at start-up by provoking known events in a scratch
// engine, not hard-coded, so a Unicorn upgrade that moves them is caught instead of
// silently corrupting the CPU.
#pragma once

#include <cstddef>

namespace kjump {

struct ContextLayout {
  size_t blob_size = 0;
  size_t env = 0;            // start of CPUX86State inside the blob
  size_t hflags = 0;         // env->hflags (CPL in bits 0-1, interrupt shadow in bit 3)
  size_t error_code = 0;     // env->error_code
  size_t exception_is_int = 0;
  size_t old_exception = 0;  // env->old_exception
  // env->cpu_breakpoint[4] (a union with cpu_watchpoint[4]): host pointers to the objects QEMU
  // made for dr0-3, right below old_exception. Never saved, never restored (emu/cpu_state.cpp).
  size_t host_pointers = 0;
  static constexpr size_t kHostPointerBytes = 4 * 8;
};

// Throws std::runtime_error if the layout cannot be established unambiguously.
const ContextLayout& context_layout();

inline constexpr unsigned kHflagCplMask = 3;
inline constexpr unsigned kHflagInhibitIrq = 1u << 3;

}  // namespace kjump
