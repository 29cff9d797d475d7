// kjump: a deterministic full-system emulator model of Linux kexec jump.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/boot_command.h"
#include "cli/debug_command.h"
#include "cli/disk_command.h"
#include "cli/exit_codes.h"
#include "cli/image_command.h"
#include "cli/option_rules.h"
#include "cli/run_command.h"
#include "cli/snapshot_command.h"

int main(int argc, char** argv) {
  CLI::App app{"kjump: deterministic i386 PC emulator for kexec jump (Unicorn CPU, QEMU-faithful devices)"};
  app.set_version_flag("--version", "kjump 0.1.0");
  app.require_subcommand(1);
  int status = 0;
  kjump::register_boot_command(app, status);
  kjump::register_run_command(app, status);
  kjump::register_debug_command(app, status);
  kjump::register_snapshot_command(app, status);
  kjump::register_image_command(app, status);
  kjump::register_disk_command(app, status);
  kjump::one_line_errors(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kjump::exit_code::kBadInput;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "kjump: out of host memory\n");
    return kjump::exit_code::kEngineError;
  } catch (const std::exception& e) {
    // Every layer throws its own one-line error and the commands catch them; this is the
    // backstop that keeps an unexpected one to one line too.
    std::fprintf(stderr, "kjump: %s\n", e.what());
    return kjump::exit_code::kEngineError;
  }
  return status;
}
