// The COM1 shell: line editing and command dispatch. Runs as a ring-0 kernel task.
#pragma once

namespace kjump {

constexpr int kMaxArgs = 16;

struct CommandLine {
  int argc;
  const char* argv[kMaxArgs];
  // rest[i]: the raw text from the start of argv[i] to the end of the line (keeps spaces).
  const char* rest[kMaxArgs];
};

struct Command {
  const char* name;
  const char* usage;
  void (*run)(const CommandLine& cl);
};

// The command table (shell/commands.cpp), terminated by a null name.
extern const Command kCommands[];

void shell_main();

}  // namespace kjump
