#include "cli/boot_command.h"

#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>

#include "cli/escapes.h"
#include "cli/exit_codes.h"
#include "cli/gdb_entry.h"
#include "cli/interactive_boot.h"
#include "cli/machine_options.h"
#include "cli/monitor_escape.h"
#include "cli/option_rules.h"
#include "cli/terminal.h"
#include "machine/boot/boot_error.h"
#include "machine/kexec/audit.h"
#include "replay/run_recorder.h"
#include "report/report.h"

namespace kjump {
namespace {

// After the input has run out, a guest that prints nothing for this long is reported as hung
// instead of idling forever: 10 s of virtual time (a guest waiting in `hlt` for a timer gets
// there with few instructions), or 1G instructions (a guest spinning with no output would need
// 10G instructions, minutes of host time, to reach 10 virtual s). Both are virtual: the verdict
// is the same on every host.
constexpr uint64_t kQuietLimitNs = 10'000'000'000ull;
constexpr uint64_t kQuietLimitInsns = 1'000'000'000ull;

// The kexec audits, when the guest did any kexec jump (or something was found).
void print_audit(Machine& m) {
  const KexecAudit& a = m.kexec_audit();
  if (a.jumps() == 0 && a.findings().empty()) return;
  for (const std::string& line : a.summary()) std::fprintf(stderr, "kjump: kexec audit: %s\n", line.c_str());
}

// --report / --trace-events: the run's event list, and where it goes at the end.
struct BootReport {
  std::string html, trace_events;
  std::unique_ptr<RunRecorder> rec;
};

int report(Machine& m, const std::string& headline, int status, RunRecorder* rec) {
  if (rec) rec->fault(headline);
  print_audit(m);
  std::fflush(stdout);
  std::fprintf(stderr, "\nkjump: %s\n%s", headline.c_str(), m.fault_report().c_str());
  return status;
}

int run_machine(Machine& machine, const std::string& input, bool input_given, uint64_t max_insns, RunRecorder* rec);

int run_boot(const MachineOptions& opts, const std::string& input, bool input_given, uint64_t max_insns,
             BootReport& out) {
  std::unique_ptr<Machine> m;
  try {
    m = std::make_unique<Machine>(opts.to_config());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kjump: %s\n", e.what());
    return exit_code::kBadInput;
  }
  RunRecorder* rec = nullptr;
  if (!out.html.empty() || !out.trace_events.empty()) {
    out.rec = std::make_unique<RunRecorder>(opts.to_config().kernel_path);
    rec = out.rec.get();
    rec->attach(*m);
  }
  m->on_serial = [rec](uint8_t c) {
    std::fputc(c, stdout);
    if (rec) rec->serial(c);
  };
  m->power_on();
  if (rec) rec->power_on();
  int status = run_machine(*m, input, input_given, max_insns, rec);
  if (rec) {
    rec->after_run();
    RunEvents ev = rec->events();
    try {
      if (!out.html.empty()) write_html_report(out.html, ev);
      if (!out.trace_events.empty()) write_trace_events(out.trace_events, ev);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kjump: %s\n", e.what());
      status = exit_code::kBadInput;
    }
    rec->detach();
  }
  return status;
}

int run_machine(Machine& machine, const std::string& input, bool input_given, uint64_t max_insns, RunRecorder* rec) {
  Machine* m = &machine;

  // A terminal goes to cli/interactive_boot.h; here stdin is a pipe or a file, read to its end
  // and sent at power-on (the guest's UART takes it as fast as it reads).
  if (input_given) {
    m->send_input(input);
  } else {
    std::string all((std::istreambuf_iterator<char>(std::cin)), {});
    m->send_input(all);
  }

  uint64_t last_output_size = 0, last_output_time = 0, last_output_insns = 0;
  for (;;) {
    uint64_t limit = m->now() + kQuietLimitInsns / 10;
    if (max_insns) limit = std::min(limit, m->now() + (max_insns - std::min(max_insns, m->engine().retired())));
    RunResult r = m->run(limit);
    if (rec) rec->after_run();
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
      case StopReason::TripleFault: return report(*m, "guest triple fault", exit_code::kTripleFault, rec);
      case StopReason::EngineError: return report(*m, "engine error: " + r.detail, exit_code::kEngineError, rec);
      case StopReason::HaltedForever:
        return report(*m, "guest halted with interrupts disabled", exit_code::kGuestHung, rec);
      case StopReason::Breakpoint:
      case StopReason::Watchpoint:
      case StopReason::Requested:
      case StopReason::Limit:
      case StopReason::Idle:
        break;
    }
    if (max_insns && m->engine().retired() >= max_insns)
      return report(*m, "instruction budget exhausted (--max-insns " + std::to_string(max_insns) + ")",
                    exit_code::kBudgetExhausted, rec);
    if (m->serial_output().size() != last_output_size) {
      last_output_size = m->serial_output().size();
      last_output_time = m->now();
      last_output_insns = m->engine().retired();
    }
    if (m->pending_input() == 0 && m->now() - last_output_time >= kQuietLimitNs) {
      return report(*m, "guest idle: no output for 10 s of virtual time after the input ran out",
                    exit_code::kGuestHung, rec);
    } else if (m->pending_input() == 0 && m->engine().retired() - last_output_insns >= kQuietLimitInsns) {
      return report(*m, "guest hung: no output for 1G instructions after the input ran out (spinning?)",
                    exit_code::kGuestHung, rec);
    } else if (r.reason == StopReason::Idle && m->pending_input() == 0) {
      return report(*m, "guest idle with nothing scheduled and no input left", exit_code::kGuestHung, rec);
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
  add_count(*cmd, "--max-insns", *max, "stop with a report after N retired guest instructions (e.g. 500M)", 1);
  auto out = std::make_shared<BootReport>();
  cmd->add_option("--report", out->html,
                  "write the run as one self-contained HTML page (kernels, kexec jumps, devices) to FILE at the end");
  cmd->add_option("--trace-events", out->trace_events,
                  "write the run in the Trace Event format (Perfetto, chrome://tracing) to FILE at the end");
  auto record = std::make_shared<std::string>();
  cmd->add_option("--record", *record,
                  "write the session's input log (every byte typed, with the instant it reached the machine) to FILE\n"
                  "at the end; `kjump run SCRIPT --replay FILE` checks a script against it");
  auto save = std::make_shared<std::string>();
  cmd->add_option("--save-scenario", *save,
                  "write the session as a scenario script FILE.kjs at the end: `kjump run FILE.kjs` replays it\n"
                  "exactly (the guest then sees the kernel's file name, not its path, as its first argument)");
  auto gdb = std::make_shared<std::string>();
  cmd->add_option("--gdb", *gdb,
                  "serve one GDB client on HOST:PORT from power-on (127.0.0.1 unless a host is given; :0 picks\n"
                  "a port); when it detaches the guest runs on (cli/gdb_entry.h)");
  cmd->footer(
      "Exit status: the guest's isa-debug-exit status ((value<<1)|1, odd), 0 the guest reset the machine\n"
      "(8042 0xFE or port 0x92, as QEMU -no-reboot), 2 bad input, 64 triple fault,\n"
      "66 --max-insns exhausted, 68 guest hung (halted with IF=0, or silent for 10 virtual s or 1G instructions\n"
      "after the input ran out),\n"
      "70 engine error, 128+N ended by signal N (SIGINT, SIGTERM, SIGHUP; the terminal is restored first).\n"
      "\n"
      "On a terminal (or with --record / --save-scenario from any stdin), Ctrl-A is the monitor escape, as QEMU's:\n" +
      std::string(monitor_escape_help()) +
      "In the console: every `kjump debug` command (si, break, info registers, x/4wx $esp, ...); its breakpoints\n"
      "and watchpoints stop the guest later and reopen it; `quit` ends the run. Ctrl-Z suspends kjump with the\n"
      "terminal restored; fg puts it back in raw mode.");
  cmd->callback([opts, input, in_opt, max, out, gdb, record, save, &exit_status] {
    if (!gdb->empty()) {
      if (!record->empty() || !save->empty()) {
        std::fprintf(stderr, "kjump boot: --gdb does not go with --record or --save-scenario\n");
        exit_status = exit_code::kBadInput;
        return;
      }
      try {
        exit_status = gdb_boot(opts->to_config(), *gdb);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "kjump boot: %s\n", e.what());
        exit_status = exit_code::kBadInput;
      }
      return;
    }
    std::string text;
    try {
      text = unescape(*input);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kjump: --input: %s\n", e.what());
      exit_status = exit_code::kBadInput;
      return;
    }
    // Output files are checked before the run, not found unwritable at its end.
    for (auto [option, path] : {std::pair{"--report", &out->html}, std::pair{"--trace-events", &out->trace_events},
                                std::pair{"--record", record.get()}, std::pair{"--save-scenario", save.get()}})
      if (!path->empty())
        if (auto why = output_file_problem(option, *path)) {
          std::fprintf(stderr, "kjump boot: %s\n", why->c_str());
          exit_status = exit_code::kBadInput;
          return;
        }
    // A terminal, or a session to save: the machine runs in a debugger session, with the
    // monitor escape (cli/interactive_boot.h). Otherwise the plain loop below.
    bool given = in_opt->count() > 0;
    if ((!given && stdin_is_terminal()) || !record->empty() || !save->empty()) {
      InteractiveBootOptions io;
      try {
        io.config = opts->to_config();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "kjump: %s\n", e.what());
        exit_status = exit_code::kBadInput;
        return;
      }
      io.max_insns = *max;
      io.record = *record;
      io.save_scenario = *save;
      io.report_html = out->html;
      io.trace_events = out->trace_events;
      io.input = text;
      io.read_stdin = !given;
      exit_status = interactive_boot(io);
      return;
    }
    exit_status = run_boot(*opts, text, given, *max, *out);
  });
}

}  // namespace kjump
