#include "machine/boot/symbols.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <tuple>

namespace kjump {
namespace {

// C++ guest symbols read better demangled and short: "_ZN5kjump12_GLOBAL__N_17pit_irqEv"
// becomes "pit_irq" (namespace kjump, anonymous namespaces and the parameter list dropped).
std::string short_name(const std::string& mangled) {
  if (mangled.rfind("_Z", 0) != 0) return mangled;
  int status = 0;
  char* d = abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status);
  if (status != 0 || !d) return mangled;
  std::string name = d;
  std::free(d);
  // Cut the parameter list: the last '(' at template/paren depth 0.
  int depth = 0;
  size_t cut = std::string::npos;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '<') ++depth;
    else if (c == '>') --depth;
    else if (c == '(' && depth == 0 && name.compare(i, 21, "(anonymous namespace)") != 0) cut = i;
  }
  if (cut != std::string::npos) name.erase(cut);
  for (const char* prefix : {"(anonymous namespace)::"}) {
    for (size_t at; (at = name.find(prefix)) != std::string::npos;) name.erase(at, std::char_traits<char>::length(prefix));
  }
  if (name.rfind("kjump::", 0) == 0) name.erase(0, 7);
  return name.empty() ? mangled : name;
}

}  // namespace

SymbolTable::SymbolTable(const std::vector<Elf32Symbol>& elf_symbols) {
  for (const auto& s : elf_symbols) {
    if (s.name.empty() || s.shndx == elf::kShnUndef) continue;
    if (s.type == elf::kSttSection || s.type == elf::kSttFile) continue;
    std::string display = short_name(s.name);
    by_name_.push_back({s.name, s.value, s.bind != elf::kStbLocal});
    if (display != s.name) by_name_.push_back({display, s.value, s.bind != elf::kStbLocal});
    // Absolute symbols are constants, not places in the image.
    if ((s.type == elf::kSttFunc || s.type == elf::kSttObject) && s.shndx != elf::kShnAbs) {
      by_addr_.push_back({display, s.value, s.size, s.bind != elf::kStbLocal});
    }
  }
  // One name per address (aliases, a static and a global at the same place): the global
  // one, then the first by name, so traces read the same on every run.
  std::sort(by_addr_.begin(), by_addr_.end(), [](const Symbol& a, const Symbol& b) {
    return std::make_tuple(a.addr, !a.global, std::string_view(a.name)) <
           std::make_tuple(b.addr, !b.global, std::string_view(b.name));
  });
  by_addr_.erase(std::unique(by_addr_.begin(), by_addr_.end(),
                             [](const Symbol& a, const Symbol& b) { return a.addr == b.addr; }),
                 by_addr_.end());
  std::sort(by_name_.begin(), by_name_.end(), [](const Named& a, const Named& b) {
    return std::make_tuple(std::string_view(a.name), !a.global, a.addr) <
           std::make_tuple(std::string_view(b.name), !b.global, b.addr);
  });
}

const SymbolTable::Symbol* SymbolTable::nearest(uint32_t addr) const {
  // First symbol above addr; the one before it is the answer.
  auto it = std::upper_bound(by_addr_.begin(), by_addr_.end(), addr,
                             [](uint32_t a, const Symbol& s) { return a < s.addr; });
  if (it == by_addr_.begin()) return nullptr;
  return &*std::prev(it);
}

std::optional<std::string> SymbolTable::lookup(uint32_t addr) const {
  const Symbol* s = nearest(addr);
  if (!s) return std::nullopt;
  char off[16];
  std::snprintf(off, sizeof off, "+0x%x", addr - s->addr);
  return s->name + off;
}

std::optional<uint32_t> SymbolTable::find(std::string_view name) const {
  auto it = std::lower_bound(by_name_.begin(), by_name_.end(), name,
                             [](const Named& n, std::string_view key) { return std::string_view(n.name) < key; });
  if (it == by_name_.end() || it->name != name) return std::nullopt;
  return it->addr;
}

}  // namespace kjump
