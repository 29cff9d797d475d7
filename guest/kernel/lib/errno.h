// Linux errno values the kernel returns (negated, as Linux does), and their names for messages.
// Plain constants in namespace kjump: trap/syscall_numbers.h keeps ENOSYS as a macro for asm.
#pragma once

namespace kjump {

constexpr int EPERM = 1;
constexpr int EIO = 5;
constexpr int ENOEXEC = 8;
constexpr int ENOMEM = 12;
constexpr int EFAULT = 14;
constexpr int EBUSY = 16;
constexpr int ENOENT = 2;
constexpr int EINVAL = 22;
constexpr int EADDRNOTAVAIL = 99;

// "-EINVAL" for -22; "-E?" for anything else.
const char* errno_name(int negative_errno);

}  // namespace kjump
