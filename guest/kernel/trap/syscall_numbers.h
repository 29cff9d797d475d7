/* System call numbers, shared by the kernel and the ring-3 program (assembly), so plain macros.
 * ABI: int $0x80, number in EAX, arguments in EBX, ECX, EDX; result in EAX (-errno on error). */
#pragma once

#define SYS_getpid 0
#define SYS_yield 1
#define SYS_sleep 2           /* ebx = timer ticks */
#define SYS_write_counter 3   /* ebx = the caller's counter; shown by `ps` */

#define ENOSYS 38
