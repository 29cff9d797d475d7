// The kexec command line, as kexec-tools' getopt table spells it (kexec/kexec.c, kexec.8).
#pragma once
#include <stdint.h>

#include "shell/shell.h"

namespace kjump {

struct KexecOptions {
  enum class Action {
    Status,               // no action option: show the loaded image
    Load,                 // -l FILE
    LoadPreserveContext,  // --load-preserve-context FILE
    LoadJumpBackHelper,   // --load-jump-back-helper --entry=ADDR
    Exec,                 // -e
    Unload,               // -u
    TestSegments,         // --test-segments=N: N one-page segments (kexec_load's limits)
    TestLoad,             // --test-load=MEM+MEMSZ[/BUFSZ][@SRC],...: raw segments
                          // (both with --partial: one call of an image in parts; with
                          // --test-segments=0 --partial: abandon the open image)
  };
  Action action = Action::Status;
  const char* file = nullptr;
  const char* append = nullptr;
  const char* initrd = nullptr;
  bool args_none = false;
  bool partial = false;  // --partial: the raw test loads pass KEXEC_PARTIAL
  bool has_entry = false;
  uint32_t entry = 0;
  bool has_mem_min = false, has_mem_max = false;
  uint64_t mem_min = 0, mem_max = 0;
  uint32_t test_segments = 0;
  const char* test_load = nullptr;
};

// False (after printing why) on a malformed command line. Numbers: 0x hex or decimal.
bool parse_kexec_options(const CommandLine& cl, KexecOptions* out);

// Parses one number; false if s is not entirely a number.
bool parse_kexec_number(const char* s, uint64_t* v);

}  // namespace kjump
