#include "kexec/kexec_options.h"

#include "lib/printf.h"
#include "lib/string.h"

namespace kjump {
namespace {

using Action = KexecOptions::Action;

// "--name=value" -> value; "--name" followed by a separate word also works, as with getopt.
const char* option_value(const CommandLine& cl, int* i, const char* name) {
  size_t n = strlen(name);
  const char* a = cl.argv[*i];
  if (strncmp(a, name, n) != 0) return nullptr;
  if (a[n] == '=') return a + n + 1;
  if (a[n] == 0 && *i + 1 < cl.argc) return cl.argv[++*i];
  return nullptr;
}

bool set_action(KexecOptions* o, Action a) {
  if (o->action != Action::Status && o->action != a) {
    kprintf("kexec: more than one action given\n");
    return false;
  }
  o->action = a;
  return true;
}

bool number(const char* opt, const char* s, uint64_t* v) {
  if (parse_kexec_number(s, v)) return true;
  kprintf("kexec: %s: bad number '%s'\n", opt, s);
  return false;
}

}  // namespace

bool parse_kexec_number(const char* s, uint64_t* v) {
  const char* end;
  return parse_u64(s, v, &end) && *end == 0;
}

bool parse_kexec_options(const CommandLine& cl, KexecOptions* o) {
  for (int i = 1; i < cl.argc; ++i) {
    const char* a = cl.argv[i];
    const char* v;
    uint64_t n;
    if (strcmp(a, "-l") == 0 || strcmp(a, "--load") == 0) {
      if (!set_action(o, Action::Load)) return false;
    } else if (strcmp(a, "--load-preserve-context") == 0) {
      if (!set_action(o, Action::LoadPreserveContext)) return false;
    } else if (strcmp(a, "--load-jump-back-helper") == 0) {
      if (!set_action(o, Action::LoadJumpBackHelper)) return false;
    } else if (strcmp(a, "-e") == 0 || strcmp(a, "--exec") == 0) {
      if (!set_action(o, Action::Exec)) return false;
    } else if (strcmp(a, "-u") == 0 || strcmp(a, "--unload") == 0) {
      if (!set_action(o, Action::Unload)) return false;
    } else if (strcmp(a, "--partial") == 0) {
      o->partial = true;
    } else if (strcmp(a, "--args-none") == 0) {
      o->args_none = true;
    } else if ((v = option_value(cl, &i, "--append")) || (v = option_value(cl, &i, "--command-line"))) {
      o->append = v;
    } else if ((v = option_value(cl, &i, "--initrd"))) {
      o->initrd = v;
    } else if ((v = option_value(cl, &i, "--entry"))) {
      if (!number("--entry", v, &n) || n > 0xFFFFFFFFull) return false;
      o->entry = static_cast<uint32_t>(n);
      o->has_entry = true;
    } else if ((v = option_value(cl, &i, "--mem-min"))) {
      if (!number("--mem-min", v, &o->mem_min)) return false;
      o->has_mem_min = true;
    } else if ((v = option_value(cl, &i, "--mem-max"))) {
      if (!number("--mem-max", v, &o->mem_max)) return false;
      o->has_mem_max = true;
    } else if ((v = option_value(cl, &i, "--test-segments"))) {
      if (!set_action(o, Action::TestSegments) || !number("--test-segments", v, &n)) return false;
      o->test_segments = n > 1000 ? 1000 : static_cast<uint32_t>(n);
    } else if ((v = option_value(cl, &i, "--test-load"))) {
      if (!set_action(o, Action::TestLoad)) return false;
      o->test_load = v;
    } else if (a[0] == '-') {
      kprintf("kexec: unknown option '%s'\n", a);
      return false;
    } else if (!o->file) {
      o->file = a;
    } else {
      kprintf("kexec: unexpected argument '%s'\n", a);
      return false;
    }
  }
  return true;
}

}  // namespace kjump
