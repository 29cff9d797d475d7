#include "machine/boot/multiboot_entry.h"

#include "abi/multiboot_info.h"

namespace kjump {

MultibootEntryState multiboot_entry_state(uint32_t entry, uint32_t mbi_addr) {
  const SegmentCache code{0x08, 0, 0xFFFFFFFF, 0x9A, 0xC};  // ljmp does not set the accessed bit
  const SegmentCache data{0x10, 0, 0xFFFFFFFF, 0x93, 0xC};  // mov to a segment register does
  MultibootEntryState s{};
  s.eax = multiboot::kBootloaderMagic;
  s.ebx = mbi_addr;
  s.ecx = entry;       // the ROM jumps through ECX
  s.edx = 0x00010511;  // leftover from the ROM's last fw_cfg access
  s.esi = 0;
  s.edi = 0x1000;
  s.ebp = 0;
  s.esp = 0x6F08;  // inside SeaBIOS's low stack
  s.eip = entry;
  s.eflags = 0x00000006;  // PF, the always-one bit; IF clear
  s.cr0 = 0x00000011;     // PE | ET
  s.cr2 = s.cr3 = s.cr4 = 0;
  s.efer = 0;
  s.dr6 = 0xFFFF0FF0;
  s.dr7 = 0x00000400;
  s.cs = code;
  s.ds = s.es = s.fs = s.gs = s.ss = data;
  s.ldtr = {0, 0, 0xFFFF, 0x82, 0};
  s.tr = {0, 0, 0xFFFF, 0x8B, 0};
  s.gdtr_base = kSeabiosMultibootGdtAddr;
  s.gdtr_limit = kSeabiosMultibootGdt.size() - 1;
  s.idtr_base = 0;  // the real-mode IVT
  s.idtr_limit = 0x3FF;
  return s;
}

}  // namespace kjump
