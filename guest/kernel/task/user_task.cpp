#include "task/user_task.h"

#include "lib/printf.h"
#include "lib/string.h"
#include "mm/page_alloc.h"
#include "mm/paging.h"

extern "C" const uint8_t user_init_start[], user_init_end[];

namespace kjump {

Task* user_task_create() {
  uint32_t size = static_cast<uint32_t>(user_init_end - user_init_start);
  phys_addr code = alloc_page();
  phys_addr stack = alloc_page();
  if (!code || !stack || size > PAGE_SIZE) return nullptr;
  memcpy(phys_to_virt(code), user_init_start, size);
  // Code read-only, stack writable; both U/S so ring 3 can reach them and nothing else.
  if (!map_user_page(kUserCodeBase, code, false)) return nullptr;
  if (!map_user_page(kUserStackTop - PAGE_SIZE, stack, true)) return nullptr;
  return task_create_user("counter", kUserCodeBase, kUserStackTop);
}

}  // namespace kjump
