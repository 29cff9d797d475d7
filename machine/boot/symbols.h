// Guest kernel symbols for traces and the debugger: address -> "name+0xoff" and back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "machine/boot/elf32.h"

namespace kjump {

class SymbolTable {
 public:
  struct Symbol {
    std::string name;
    uint32_t addr;
    uint32_t size;
    bool global;
  };

  SymbolTable() = default;
  explicit SymbolTable(const std::vector<Elf32Symbol>& elf_symbols);
  static SymbolTable from_elf(const Elf32Image& image) { return SymbolTable(image.symbols); }

  // Nearest FUNC/OBJECT symbol at or below addr, as "name+0x1c" ("name+0x0" on the symbol
  // itself); nullopt below the first one. Sizes are not trusted (asm symbols often have
  // none), so an address past the end of a function still resolves to it.
  std::optional<std::string> lookup(uint32_t addr) const;
  const Symbol* nearest(uint32_t addr) const;

  // C++ names are shown demangled and short ("pit_irq", "Scheduler::tick") and can be
  // found by that short name or by their mangled name.
  // Address of a defined symbol of any kind but section/file names (so linker symbols such
  // as _end work too). Several with one name (file-local statics): a global wins, then the
  // lowest address.
  std::optional<uint32_t> find(std::string_view name) const;

  bool empty() const { return by_addr_.empty() && by_name_.empty(); }
  const std::vector<Symbol>& code_and_data() const { return by_addr_; }

 private:
  std::vector<Symbol> by_addr_;  // FUNC/OBJECT, sorted by address, one per address
  struct Named {
    std::string name;
    uint32_t addr;
    bool global;
  };
  std::vector<Named> by_name_;   // sorted by (name, !global, addr)
};

}  // namespace kjump
