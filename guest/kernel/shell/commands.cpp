#include "shell/commands.h"

namespace kjump {

const Command kCommands[] = {
    {"help", "help                  list commands", cmd_help},
    {"echo", "echo ARGS [> /dev/hdaN]   print ARGS, or write them to a partition", cmd_echo},
    {"cat", "cat /proc/cmdline | fw:NAME | /dev/hdaN   print a file", cmd_cat},
    {"getarg", "getarg NAME           the value of NAME= on /proc/cmdline", cmd_getarg},
    {"uptime", "uptime                ticks and seconds since boot", cmd_uptime},
    {"meminfo", "meminfo               page allocator statistics", cmd_meminfo},
    {"ps", "ps                    list tasks", cmd_ps},
    {"date", "date                  RTC date and time", cmd_date},
    {"ls", "ls /fw                list fw_cfg files", cmd_ls},
    {"disk", "disk [read LBA | write LBA TEXT]   IDE primary master and its partitions", cmd_disk},
    {"pm", "pm [test | refuse DEV]   list PM devices / suspend+resume them all / make DEV refuse", cmd_pm},
    {"freeze", "freeze                freeze user tasks (the kexec-jump freezer)", cmd_freeze},
    {"thaw", "thaw                  thaw frozen tasks", cmd_thaw},
    {"kexec", "kexec -l|--load-preserve-context FILE [opts] | --load-jump-back-helper --entry=A | -e | -u", cmd_kexec},
    {"makedumpfile", "makedumpfile [-d LEVEL] /proc/vmcore /dev/hdaN   save the previous kernel as a hibernation image", cmd_makedumpfile},
    {"vmcore", "vmcore [sum | read ADDR [LEN] | save LBA]   the previous kernel's memory (elfcorehdr=)", cmd_vmcore},
    {"memfill", "memfill SIZE | check | free   hold SIZE of memory with a checkable pattern", cmd_memfill},
    {"memsum", "memsum                checksum of this kernel's .data/.bss", cmd_memsum},
    {"jumpstat", "jumpstat              kexec jump round trips and what survived them", cmd_jumpstat},
    {"peek", "peek ADDR [WORDS]     the peer's memory, as the loaded kexec image keeps it", cmd_peek},
    {"fault", "fault pf|gp|ud|de     raise a CPU exception (tests the report)", cmd_fault},
    {"poweroff", "poweroff              flush the disk and exit (status 0x10)", cmd_poweroff},
    {"exit", "exit N                write N to isa-debug-exit", cmd_exit},
    {nullptr, nullptr, nullptr},
};

}  // namespace kjump
