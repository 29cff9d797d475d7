// The debugger's views of the CPU's tables and of kexec: descriptor tables (GDT, IDT, TSS), the
// page tables (one walk level by level, and the whole map in runs; 2-level, PSE and PAE, through
// emu/page_walk.h), `translate`, and `info kexec`: the image the guest has loaded, decoded from
// guest memory through the guest kernel's symbols (g_kexec_image, kexec_reentry_offset) and the
// layouts of guest/kernel/kexec/kimage.h and abi/kexec_control_page.h. Pure observations: no
// Accessed/Dirty bit is set, nothing is written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "machine/machine.h"

namespace kjump::scenario {

std::vector<std::string> view_gdt(Machine& m);
std::vector<std::string> view_idt(Machine& m);
std::vector<std::string> view_tss(Machine& m);
// One address's walk (with `va`), else every mapping, contiguous runs merged.
std::vector<std::string> view_pagetables(Machine& m, std::optional<uint32_t> va);
std::vector<std::string> view_translate(Machine& m, uint32_t va);
std::vector<std::string> view_kexec(Machine& m);

}  // namespace kjump::scenario
