// Shell command implementations, grouped by file: cmd_system.cpp, cmd_fw.cpp, cmd_disk.cpp.
#pragma once
#include "shell/shell.h"

namespace kjump {

void cmd_help(const CommandLine& cl);
void cmd_echo(const CommandLine& cl);
void cmd_cat(const CommandLine& cl);
void cmd_uptime(const CommandLine& cl);
void cmd_meminfo(const CommandLine& cl);
void cmd_ps(const CommandLine& cl);
void cmd_date(const CommandLine& cl);
void cmd_pm(const CommandLine& cl);
void cmd_freeze(const CommandLine& cl);
void cmd_thaw(const CommandLine& cl);
void cmd_fault(const CommandLine& cl);
void cmd_poweroff(const CommandLine& cl);
void cmd_exit(const CommandLine& cl);
void cmd_ls(const CommandLine& cl);
void cmd_disk(const CommandLine& cl);
void cmd_kexec(const CommandLine& cl);  // kexec/kexec_tools.cpp
void cmd_vmcore(const CommandLine& cl);
void cmd_memsum(const CommandLine& cl);
void cmd_jumpstat(const CommandLine& cl);
void cmd_peek(const CommandLine& cl);

void cmd_getarg(const CommandLine& cl);
void cmd_memfill(const CommandLine& cl);
void cmd_makedumpfile(const CommandLine& cl);  // hibernate/image_writer.cpp

// `cat fw:NAME`
void fw_cat(const char* name);
// Partitions as small text files (shell/cmd_files.cpp): `echo TEXT > /dev/hdaN`, `cat /dev/hdaN`.
bool is_device_path(const char* path);
void dev_write_text(const char* path, const char* text);
void dev_cat(const char* path);

}  // namespace kjump
