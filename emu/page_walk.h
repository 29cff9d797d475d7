// The i386 page walk, done by the host, and the one walker kjump has: the engine's TLB fill
// (emu/virtual_tlb.h) walks with it, interrupt delivery (the IDT, GDT, TSS and the handler's
// stack are linear addresses), and the debugger's `translate` and `info pagetables` read
// through it without side effects. Unicorn's own walker cannot serve the host: it raises
// guest exceptions from inside host calls.
//
// It is QEMU's handle_mmu_fault (target/i386/excp_helper.c of the QEMU inside Unicorn 2.1.4)
// for a 32-bit guest, rule for rule: 2-level tables with PSE 4 MiB pages (PDE bits 13-20 give
// physical bits 32-39, bit 21 reserved), PAE (PDPTE, 2 MiB pages), CR0.WP, U/S from the
// access's privilege, SMEP, the reserved-bit checks, and the Accessed/Dirty updates: A of a
// PDE as soon as the walk goes through it (even if the PTE then faults), A of the leaf when the
// access is allowed, D of the leaf on a write; a read of a page whose D is clear is not given
// write permission, so that the first write walks again and sets D. The pinned CPU model
// (qemu32) has no NX and Unicorn refuses EFER.NXE without it, so bit 63 is always reserved;
// it has no SMAP either (CR4.SMAP cannot be set) and no long mode.
#pragma once

#include <cstdint>
#include <functional>

#include "emu/ram.h"

namespace kjump {

struct PagingRegs {
  uint32_t cr0 = 0, cr3 = 0, cr4 = 0;
};

enum class Access : uint8_t { Read, Write, Fetch };

// Page-table entry bits, as the walk reports them in Translation::flags and Mapping::flags.
namespace pte {
inline constexpr uint32_t kPresent = 1, kWritable = 2, kUser = 4, kAccessed = 0x20, kDirty = 0x40, kLarge = 0x80;
}

// What an access may do through the translation (QEMU's PAGE_READ/WRITE/EXEC).
namespace prot {
inline constexpr uint8_t kRead = 1, kWrite = 2, kExec = 4;
}

// #PF error code bits.
namespace pf {
inline constexpr uint32_t kPresent = 1, kWrite = 2, kUser = 4, kReserved = 8, kFetch = 0x10;
}

struct Translation {
  bool ok = false;
  uint64_t pa = 0;          // physical address of the linear address
  uint32_t error_code = 0;  // when !ok: the #PF error code QEMU raises (P, W/R, U/S, RSVD, I/D)
  // When ok:
  uint8_t prot = 0;         // prot:: bits for this privilege (write only once the leaf is dirty)
  uint8_t page_bits = 12;   // 12 (4 KiB page), 21 (PAE 2 MiB page), 22 (PSE 4 MiB page)
  uint32_t flags = 0;       // pte:: bits: P, R/W and U/S of all levels combined, A, D and PS of the leaf
};

// The CPU's walk: what the guest would see, Accessed/Dirty bits included. `user` is the
// access's privilege (CPL 3), not always the CPL: QEMU reads descriptor tables as the kernel.
Translation walk(GuestRam& ram, const PagingRegs& regs, uint32_t linear, Access access, bool user);

// The same walk without side effects (debugger, audits, decoding): it reports what walk()
// would give, and the leaf's flags as they are in memory.
Translation translate(const GuestRam& ram, const PagingRegs& regs, uint32_t linear, Access access = Access::Read,
                      bool user = false);

// One leaf mapping of the current tables (`info pagetables`), in linear address order.
struct Mapping {
  uint32_t linear = 0;
  uint64_t pa = 0;
  uint8_t page_bits = 12;
  uint32_t flags = 0;       // as Translation::flags
  bool reserved = false;    // a reserved bit is set: every access to it faults with RSVD
};
// Every present leaf; nothing with paging off. Pure.
void for_each_mapping(const GuestRam& ram, const PagingRegs& regs, const std::function<void(const Mapping&)>& fn);

}  // namespace kjump
