#include "shell/shell.h"

#include "drivers/uart.h"
#include "lib/printf.h"
#include "lib/string.h"

namespace kjump {
namespace {

constexpr int kLineMax = 256;
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
    kprintf("%s", kPrompt);
    read_line(line, &last_was_cr);
    memcpy(original, line, kLineMax);
    CommandLine cl;
    tokenize(line, original, &cl);
    execute(cl);
  }
}

}  // namespace kjump
