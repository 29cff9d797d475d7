// Which bytes of Unicorn's uc_context blob belong to the host, not to the guest's CPU: found by
// the same start-up calibration as emu/context_layout.h. A context saved to a file must not
// carry them, and one read from a file must not put them into the running engine.
//
// Unicorn 2.1.4's blob is a header (size_t context_size, mode, arch, snapshot bookkeeping) and
// the CPU state (CPUX86State up to end_reset_fields), which uc_context_restore copies into the
// engine as it is. Inside it, env->cpu_breakpoint[4] / cpu_watchpoint[4] (a union after
// dr[8], before old_exception) are host pointers. (Later Unicorns append a copy of the host's
// jmp_buf, which uc_context_restore also writes back: env_size leaves it out, so it would
// never be saved to or taken from a file either.)
#pragma once

#include <cstddef>

namespace kjump {

struct ContextHostBytes {
  size_t env_size = 0;        // the CPU state proper: [layout.env, layout.env + env_size)
  size_t host_pointers = 0;   // offset in the blob of the breakpoint pointer union
  size_t host_pointers_size = 0;
};

// Throws std::runtime_error if the calibration cannot establish them unambiguously.
const ContextHostBytes& context_host_bytes();

}  // namespace kjump
