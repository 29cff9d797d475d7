#include "shell/shell.h"

#include "boot/cmdline_param.h"
#include "drivers/uart.h"
#include "lib/printf.h"
#include "lib/string.h"

namespace kjump {
namespace {

constexpr int kLineMax = 256;
// "[A] kjk# ": the kernel's name first (kernel_name(): A unless its command line names it), so
// a user always knows which kernel of a kexec jump they are typing to.
constexpr char kPrompt[] = "kjk# ";

// Reads one line with echo. CR, LF and CRLF all end a line (the LF after a CR is swallowed);
// DEL (0x7F) and BS (0x08) erase the last character on the terminal with "\b \b".
void read_line(char* line, bool* last_was_cr) {
  int len = 0;
  for (;;) {
    char c = uart_getc();
    if (c == '\n' && *last_was_cr) {
      *last_was_cr = false;
      continue;
    }
    *last_was_cr = (c == '\r');
    if (c == '\r' || c == '\n') {
      uart_putc('\n');
      line[len] = 0;
      return;
    }
    if (c == 0x7F || c == 0x08) {
      if (len > 0) {
        --len;
        uart_write("\b \b", 3);
      }
      continue;
    }
    if (c >= 0x20 && c < 0x7F && len < kLineMax - 1) {
      line[len++] = c;
      uart_put_raw(c);
    }
  }
}

// Splits in place: NULs go after each word, rest[] keeps pointers into an untouched copy.
// Double quotes group words as in sh and are removed: --append="console=ttyS0 quiet" is one
// argument. Words only shrink, so the compacted copy never overtakes the text being read.
void tokenize(char* line, const char* original, CommandLine* cl) {
  cl->argc = 0;
  char* p = line;
  while (*p && cl->argc < kMaxArgs) {
    while (is_space(*p)) ++p;
    if (!*p) break;
    char* out = p;
    cl->argv[cl->argc] = out;
    cl->rest[cl->argc] = original + (p - line);
    ++cl->argc;
    bool quoted = false;
    while (*p && (quoted || !is_space(*p))) {
      if (*p == '"') {
        quoted = !quoted;
        ++p;
        continue;
      }
      *out++ = *p++;
    }
    bool more = *p != 0;
    *out = 0;
    if (more) ++p;
  }
}

void execute(const CommandLine& cl);

// sh's `command` substitution, one level deep: each `...` runs as a command of its own with
// its console output captured, and is replaced by that output with newlines turned into
// spaces and trailing blanks dropped. The seed's step 9 reads the saved entry this way:
//   kexec -l --args-none --entry=`cat /dev/hda2` /dev/hda1
// False (after saying why) if a backquote is unmatched or the result does not fit.
bool substitute(const char* in, char* out) {
  static char inner[kLineMax], inner_copy[kLineMax], captured[kLineMax];
  size_t o = 0;
  for (const char* p = in; *p;) {
    if (*p != '`') {
      if (o + 1 >= kLineMax) goto too_long;
      out[o++] = *p++;
      continue;
    }
    const char* close = p + 1;
    while (*close && *close != '`') ++close;
    if (!*close) {
      kprintf("sh: unmatched `\n");
      return false;
    }
    size_t n = static_cast<size_t>(close - p - 1);
    memcpy(inner, p + 1, n);
    inner[n] = 0;
    memcpy(inner_copy, inner, n + 1);
    CommandLine cl;
    tokenize(inner, inner_copy, &cl);
    console_capture_begin(captured, sizeof captured);
    execute(cl);
    size_t len = console_capture_end();
    while (len && (is_space(captured[len - 1]))) --len;
    for (size_t i = 0; i < len; ++i) {
      if (o + 1 >= kLineMax) goto too_long;
      out[o++] = captured[i] == '\n' || captured[i] == '\r' ? ' ' : captured[i];
    }
    p = close + 1;
  }
  out[o] = 0;
  return true;
too_long:
  kprintf("sh: line too long after ` substitution\n");
  return false;
}

void execute(const CommandLine& cl) {
  if (cl.argc == 0) return;
  for (const Command* c = kCommands; c->name; ++c) {
    if (strcmp(c->name, cl.argv[0]) == 0) {
      c->run(cl);
      return;
    }
  }
  kprintf("unknown command: %s\n", cl.argv[0]);
}

}  // namespace

void shell_main() {
  static char line[kLineMax];
  static char original[kLineMax];
  bool last_was_cr = false;
  for (;;) {
    kprintf("[%c] %s", kernel_name(), kPrompt);
    read_line(line, &last_was_cr);
    if (!substitute(line, original)) continue;
    memcpy(line, original, kLineMax);
    CommandLine cl;
    tokenize(line, original, &cl);
    execute(cl);
  }
}

}  // namespace kjump
