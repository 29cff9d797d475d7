// The int $0x80 system call dispatcher.
#pragma once
#include "trap/syscall_numbers.h"
#include "trap/trap.h"

namespace kjump {

void syscall_dispatch(TrapFrame* f);

}  // namespace kjump
