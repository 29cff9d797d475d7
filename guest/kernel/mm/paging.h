// The kernel page directory: all RAM (up to the lowmem limit) mapped at PAGE_OFFSET with 4 MiB
// PSE pages, supervisor-only; no identity map once paging_init has run. User pages are 4 KiB
// pages below PAGE_OFFSET with U/S set, in the same directory.
#pragma once
#include <stdint.h>

#include "mm/addr.h"

extern "C" uint32_t kernel_pgdir[1024];

namespace kjump {

// Maps [0, ram_end) at PAGE_OFFSET and drops the early identity map. Returns the mapped size.
uint32_t paging_init(uint64_t ram_end);
uint32_t direct_map_size();

// Maps one user page; allocates the page table on first use. False if out of memory.
bool map_user_page(uint32_t vaddr, phys_addr page, bool writable);

}  // namespace kjump
