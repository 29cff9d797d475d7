#include "kexec/vmcoreinfo.h"

#include "abi/elf32.h"
#include "kexec/build_id.h"
#include "kexec/crash_notes.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/page_alloc.h"
#include "mm/paging.h"

extern "C" char __kernel_virt_text[];

namespace kjump {
namespace {

constexpr char kName[] = "VMCOREINFO";  // 11 bytes with the NUL, padded to 12
constexpr uint32_t kNameSpace = 12;
// Linux's VMCOREINFO_BYTES is a page; our text is a few hundred bytes.
constexpr uint32_t kTextMax = 1024;

struct VmcoreinfoNote {
  elf::Nhdr nhdr;
  char name[kNameSpace];
  char text[kTextMax];  // n_descsz bytes used, then padding to 4, then the final note
  elf::Nhdr final_note;
};

VmcoreinfoNote vmcoreinfo_note __attribute__((aligned(16)));
uint32_t g_note_size;  // 0 until built

uint32_t pad4(uint32_t n) { return (n + 3) & ~3u; }

void crash_save_vmcoreinfo_init() {
  char* t = vmcoreinfo_note.text;
  uint32_t len = 0;
  auto add = [&](const char* fmt, uint32_t v) {
    len += ksnprintf(t + len, kTextMax - len, fmt, v);
  };
  PageBitmap bm = page_bitmap();
  len += ksnprintf(t, kTextMax, "OSRELEASE=kjump-guest\n");
  char id[2 * hibernate::kBuildIdSize + 1];
  format_build_id(kernel_build_id(), id);
  len += ksnprintf(t + len, kTextMax - len, "BUILD-ID=%s\n", id);
  add("PAGESIZE=%u\n", PAGE_SIZE);
  add("SYMBOL(_stext)=%x\n", reinterpret_cast<uint32_t>(__kernel_virt_text));
  add("SYMBOL(swapper_pg_dir)=%x\n", reinterpret_cast<uint32_t>(kernel_pgdir));
  add("SYMBOL(page_bitmap)=%x\n", reinterpret_cast<uint32_t>(bm.words));
  add("SIZE(page_bitmap)=%u\n", bm.bytes);
  add("NUMBER(page_bitmap_pages)=%u\n", bm.pages);
  add("NUMBER(bit_free)=%u\n", 0);
  add("SYMBOL(crash_notes)=%x\n", reinterpret_cast<uint32_t>(phys_to_virt(crash_notes_paddr())));
  // Linux's n_descsz counts the text without a terminating NUL.
  vmcoreinfo_note.nhdr = elf::Nhdr{sizeof kName, len, 0};
  memcpy(vmcoreinfo_note.name, kName, sizeof kName);
  // The final (empty) note goes right after the padded text, where a reader looks for it.
  uint32_t end = sizeof(elf::Nhdr) + kNameSpace + pad4(len);
  memset(reinterpret_cast<uint8_t*>(&vmcoreinfo_note) + end, 0, sizeof(elf::Nhdr));
  g_note_size = end + sizeof(elf::Nhdr);
}

}  // namespace

phys_addr vmcoreinfo_note_paddr() {
  if (!g_note_size) crash_save_vmcoreinfo_init();
  return virt_to_phys(&vmcoreinfo_note);
}

uint32_t vmcoreinfo_note_size() {
  if (!g_note_size) crash_save_vmcoreinfo_init();
  return g_note_size;
}

}  // namespace kjump
