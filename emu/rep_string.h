// `rep movs` and `rep stos` done by the host: the kexec trampoline's page swap and a loader's
// copies are such instructions with paging off, and on Unicorn each of their iterations is a
// run of the translated block of the `rep` alone, so each costs a block hook call (about
// 50 host instructions of hooks and Unicorn's exit check for one 4-byte move). The block
// hook, seeing such a block about to run with ECX = n, does k of the iterations itself (a
// memmove or a fill), sets ECX, ESI and EDI as k iterations leave them and counts the k
// block runs it saved; the block then runs with the rest, usually none.
//
// What the guest sees is exactly what it sees without this: the same memory, registers and
// instruction count (QEMU's icount counts each iteration, and so does the engine), because k
// stops short of the run's deadline, and the host declines whenever the outcome could differ:
// paging on, not protected mode, DF set, 16-bit addresses, a segment other than flat DS/ES,
// overlapping moves that replicate, a range outside RAM, wrapping or touching translated code,
// a page the trampoline audit watches, or a breakpoint anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace kjump {

struct RepString {
  bool movs = false;   // movs: copy [DS:ESI] -> [ES:EDI]; else stos: fill [ES:EDI] with AL/AX/EAX
  unsigned size = 0;   // element bytes: 1, 2 or 4
  unsigned length = 0; // instruction bytes
};

// The instruction at `code` (`avail` bytes readable), if it is a rep movs/stos the host may do:
// f3 or f2 (both repeat movs and stos), 66, and a DS override on movs; no 67, lock or other
// segment override.
std::optional<RepString> decode_rep_string(const uint8_t* code, size_t avail);

}  // namespace kjump
