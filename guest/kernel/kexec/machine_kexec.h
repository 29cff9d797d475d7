// The architecture half of kexec: transition page tables at load time, and the jump itself.
#pragma once
#include "kexec/kimage.h"

namespace kjump {

// Allocates and fills the image's transition page tables. 0 or -ENOMEM.
int machine_kexec_prepare(Kimage* image);

// Copies relocate_kernel into the control page and calls it there. With preserve_context it
// returns after the peer jumped back, with the CPU state restored and image->start set to the
// peer's re-entry point; otherwise it never returns. Call with devices and IRQs down.
// With preserve_context it also fills crash_notes (crash_notes.h) with the registers of the
// jump, for a peer that dumps us.
void machine_kexec(Kimage* image);

}  // namespace kjump
