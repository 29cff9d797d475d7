// Parameters on our own command line (/proc/cmdline): "NAME=VALUE" words, as Linux's
// __setup/early_param see them. The first occurrence wins.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace kjump {

// The value of NAME= (not NUL-terminated: *len bytes), or false if NAME= is not there.
bool cmdline_param(const char* name, const char** value, size_t* len);

// NAME=NUMBER with an optional K/M suffix (Linux's memparse), at most 32 bits. False if absent
// or not a number.
bool cmdline_number(const char* name, uint32_t* value);

// This kernel's name in a kexec jump: the letter of kjk.kernel=X (A-Z), else 'A' (booted by
// the host). kexec -l / --load-preserve-context gives the kernel it loads the next letter.
char kernel_name();

}  // namespace kjump
