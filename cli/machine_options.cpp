#include "cli/machine_options.h"

#include "machine/boot/boot_error.h"
#include "base/quantity.h"
#include "cli/option_rules.h"

namespace kjump {

void MachineOptions::add_to(CLI::App& cmd, bool kernel_required) {
  auto* k = cmd.add_option("kernel", kernel, "kernel to boot: a Multiboot ELF32, or a Linux bzImage (32-bit boot protocol)");
  if (kernel_required) k->required();
  cmd.add_option("--append", append, "kernel command line (after the kernel path, as QEMU passes it)");
  cmd.add_option("--mem", mem, "guest RAM size, e.g. 128M (default 128M)");
  cmd.add_option("--disk", disk, "raw disk image for the IDE primary master (written back atomically)");
  add_repeatable(cmd, "--fw", fw, "fw_cfg file NAME=FILE (repeatable), e.g. opt/kernel-b=b.elf");
  add_repeatable(cmd, "--inject", inject, "fault injection (repeatable): ide-stuck-busy = the disk's next FLUSH CACHE stays busy 1 s");
  cmd.add_option("--initrd", initrd, "Multiboot modules, QEMU -initrd form: \"file args,file2\"; for a bzImage its initrd file");
  cmd.add_option("--symbols", symbols, "ELF file with the kernel's symbols for reports (default: the kernel; for a bzImage the vmlinux beside it)");
}

MachineConfig MachineOptions::to_config() const {
  MachineConfig c;
  c.kernel_path = kernel;
  c.append = append;
  try {
    c.ram_size = parse_size(mem);
  } catch (const std::invalid_argument& e) {
    throw BootError(std::string("--mem: ") + e.what());
  }
  if (c.ram_size == 0) throw BootError("--mem: the size must be greater than zero");
  // Checked here too, so the line names the option (the machine checks its configuration itself).
  if (c.ram_size > kMaxRamBytes)
    throw BootError("--mem " + mem + ": more than the " + std::to_string(kMaxRamBytes >> 20) +
                    " MiB an i386 PC without PAE has");
  c.disk_path = disk;
  for (auto& item : fw) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw BootError("--fw '" + item + "': expected NAME=FILE");
    c.fw_files.push_back({item.substr(0, eq), item.substr(eq + 1), ""});
  }
  if (!initrd.empty()) c.modules = parse_module_list(initrd);
  c.inject = inject;
  c.symbols_path = symbols;
  return c;
}

}  // namespace kjump
