#include "cli/boot_command.h"

#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>

#include "cli/escapes.h"
#include "cli/exit_codes.h"
#include "cli/machine_options.h"
#include "cli/terminal.h"
#include "machine/boot/boot_error.h"
#include "machine/kexec/audit.h"

namespace kjump {
namespace {

// After the input has run out, a guest that prints nothing for this long (virtual time)
// is reported as hung instead of idling forever.
constexpr uint64_t kQuietLimitNs = 10'000'000'000ull;
// Interactive mode runs in slices this long and polls the terminal between them.
constexpr uint64_t kSliceNs = 10'000'000ull;

// The kexec audits, when the guest did any kexec jump (or something was found).
void print_audit(Machine& m) {
  const KexecAudit& a = m.kexec_audit();
  if (a.jumps() == 0 && a.findings().empty()) return;
  for (const std::string& line : a.summary()) std::fprintf(stderr, "kjump: kexec audit: %s\n", line.c_str());
}

int report(Machine& m, const std::string& headline, int status) {
  print_audit(m);
  std::fflush(stdout);
  std::fprintf(stderr, "\nkjump: %s\n%s", headline.c_str(), m.fault_report().c_str());
  return status;
}

int run_boot(const MachineOptions& opts, const std::string& input, bool input_given, uint64_t max_insns) {
  std::unique_ptr<Machine> m;
  try {
    m = std::make_unique<Machine>(opts.to_config());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kjump: %s\n", e.what());
    return exit_code::kBadInput;
  }
  m->on_serial = [](uint8_t c) { std::fputc(c, stdout); };
  m->power_on();

  bool interactive = false;
  std::unique_ptr<RawTerminal> raw;
  if (input_given) {
    m->send_input(input);
  } else if (!stdin_is_terminal()) {
    std::string all((std::istreambuf_iterator<char>(std::cin)), {});
    m->send_input(all);
  } else {
    interactive = true;
    raw = std::make_unique<RawTerminal>();
  }

  uint64_t last_output_size = 0, last_output_time = 0;
  for (;;) {
    uint64_t limit = interactive ? m->now() + kSliceNs : m->now() + kQuietLimitNs / 10;
    if (max_insns) limit = std::min(limit, m->now() + (max_insns - std::min(max_insns, m->engine().retired())));
    RunResult r = m->run(limit);
    std::fflush(stdout);
    if (m->power().exit_status) {
      print_audit(*m);
      return *m->power().exit_status;
    }
    if (!m->power().guest_reset.empty()) {
      // QEMU -no-reboot exits 0 when the guest resets the machine; so does kjump.
      print_audit(*m);
      std::fprintf(stderr, "kjump: the guest reset the machine (%s); the run ends, as QEMU's -no-reboot\n",
                   m->power().guest_reset.c_str());
      return exit_code::kOk;
    }
    switch (r.reason) {
      case StopReason::TripleFault: return report(*m, "guest triple fault", exit_code::kTripleFault);
      case StopReason::EngineError: return report(*m, "engine error: " + r.detail, exit_code::kEngineError);
      case StopReason::HaltedForever:
        return report(*m, "guest halted with interrupts disabled", exit_code::kGuestHung);
      case StopReason::Breakpoint:
      case StopReason::Requested:
      case StopReason::Limit:
      case StopReason::Idle:
        break;
    }
    if (max_insns && m->engine().retired() >= max_insns)
      return report(*m, "instruction budget exhausted (--max-insns " + std::to_string(max_insns) + ")",
                    exit_code::kBudgetExhausted);
    if (m->serial_output().size() != last_output_size) {
      last_output_size = m->serial_output().size();
      last_output_time = m->now();
    }
    if (interactive) {
      std::string typed;
      bool halted = m->engine().halted() || r.reason == StopReason::Idle;
      if (!read_stdin(typed, halted ? 10 : 0)) interactive = false;  // terminal closed
      if (!typed.empty()) m->send_input(typed);
    } else if (m->pending_input() == 0 && m->now() - last_output_time >= kQuietLimitNs) {
      return report(*m, "guest idle: no output for 10 s of virtual time after the input ran out",
                    exit_code::kGuestHung);
    } else if (r.reason == StopReason::Idle && m->pending_input() == 0) {
      return report(*m, "guest idle with nothing scheduled and no input left", exit_code::kGuestHung);
    }
  }
}

}  // namespace

void register_boot_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand("boot", "Boot a Multiboot kernel or a Linux bzImage: guest COM1 on stdout, stdin to COM1");
  auto opts = std::make_shared<MachineOptions>();
  opts->add_to(*cmd, true);
  auto input = std::make_shared<std::string>();
  auto* in_opt = cmd->add_option("--input", *input, "serial input instead of stdin (escapes \\n \\r \\t \\xNN)");
  auto max = std::make_shared<uint64_t>(0);
  cmd->add_option("--max-insns", *max, "stop with a report after N retired guest instructions");
  cmd->footer(
      "Exit status: the guest's isa-debug-exit status ((value<<1)|1, odd), 0 the guest reset the machine\n"
      "(8042 0xFE or port 0x92, as QEMU -no-reboot), 2 bad input, 64 triple fault,\n"
      "66 --max-insns exhausted, 68 guest hung (halted with IF=0, or silent 10 virtual s after input ran out),\n"
      "70 engine error.");
  cmd->callback([opts, input, in_opt, max, &exit_status] {
    std::string text;
    try {
      text = unescape(*input);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kjump: --input: %s\n", e.what());
      exit_status = exit_code::kBadInput;
      return;
    }
    exit_status = run_boot(*opts, text, in_opt->count() > 0, *max);
  });
}

}  // namespace kjump
