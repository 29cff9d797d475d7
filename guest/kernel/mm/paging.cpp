#include "mm/paging.h"

#include "arch/x86.h"
#include "mm/page_alloc.h"

extern "C" {
alignas(PAGE_SIZE) uint32_t kernel_pgdir[1024];
}

namespace kjump {
namespace {

enum : uint32_t { PTE_PRESENT = 0x1, PTE_WRITE = 0x2, PTE_USER = 0x4, PDE_LARGE = 0x80 };
constexpr uint32_t kKernelPdeFirst = PAGE_OFFSET >> 22;
uint32_t g_mapped = 0;

}  // namespace

uint32_t paging_init(uint64_t ram_end) {
  if (ram_end > kLowmemLimit) ram_end = kLowmemLimit;
  uint32_t chunks = static_cast<uint32_t>((ram_end + LARGE_PAGE_SIZE - 1) / LARGE_PAGE_SIZE);
  if (chunks < EARLY_MAP_SIZE / LARGE_PAGE_SIZE) chunks = EARLY_MAP_SIZE / LARGE_PAGE_SIZE;
  for (uint32_t i = 0; i < chunks; ++i)
    kernel_pgdir[kKernelPdeFirst + i] = (i * LARGE_PAGE_SIZE) | PTE_PRESENT | PTE_WRITE | PDE_LARGE;
  // The identity half was only needed while EIP was still physical (boot/entry.S).
  for (uint32_t i = 0; i < EARLY_MAP_SIZE / LARGE_PAGE_SIZE; ++i) kernel_pgdir[i] = 0;
  x86::write_cr3(virt_to_phys(kernel_pgdir));  // flushes the TLB
  g_mapped = chunks * LARGE_PAGE_SIZE;
  return g_mapped;
}

uint32_t direct_map_size() { return g_mapped; }

bool map_user_page(uint32_t vaddr, phys_addr page, bool writable) {
  uint32_t& pde = kernel_pgdir[vaddr >> 22];
  if (!(pde & PTE_PRESENT)) {
    phys_addr table = alloc_page();
    if (!table) return false;
    pde = table | PTE_PRESENT | PTE_WRITE | PTE_USER;
  }
  auto* pt = static_cast<uint32_t*>(phys_to_virt(pde & ~0xFFFu));
  pt[(vaddr >> 12) & 0x3FF] = page | PTE_PRESENT | PTE_USER | (writable ? uint32_t(PTE_WRITE) : 0u);
  asm volatile("invlpg (%0)" ::"r"(vaddr) : "memory");
  return true;
}

}  // namespace kjump
