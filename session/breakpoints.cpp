#include "session/breakpoints.h"

#include <algorithm>

namespace kjump {

unsigned Breakpoints::add(uint32_t addr, bool physical, bool temporary, std::string spec) {
  Breakpoint b;
  b.id = next_id_++;
  b.addr = addr;
  b.physical = physical;
  b.temporary = temporary;
  b.spec = std::move(spec);
  list_.push_back(std::move(b));
  return list_.back().id;
}

void Breakpoints::add_internal(uint32_t addr) { internal_.push_back(addr); }
void Breakpoints::clear_internal() { internal_.clear(); }

bool Breakpoints::remove(unsigned id) {
  auto it = std::find_if(list_.begin(), list_.end(), [&](const Breakpoint& b) { return b.id == id; });
  if (it == list_.end()) return false;
  list_.erase(it);
  return true;
}

const Breakpoint* Breakpoints::find(unsigned id) const {
  for (const Breakpoint& b : list_)
    if (b.id == id) return &b;
  return nullptr;
}

std::set<uint32_t> Breakpoints::engine_addresses() const {
  std::set<uint32_t> out(internal_.begin(), internal_.end());
  for (const Breakpoint& b : list_) {
    out.insert(b.addr);
    if (b.physical && b.addr < kPageOffset) out.insert(b.addr + kPageOffset);
  }
  return out;
}

std::optional<unsigned> Breakpoints::hit(uint32_t eip, std::optional<uint64_t> pa, bool count) {
  // Every breakpoint at this instruction counts the hit (a virtual and a physical one on the
  // same code); the lowest number is the one reported, as gdb does.
  std::optional<unsigned> first;
  for (size_t i = 0; i < list_.size();) {
    Breakpoint& b = list_[i];
    bool match = b.physical ? (pa && *pa == b.addr) : eip == b.addr;
    if (match && !first) first = b.id;
    if (match && count) {
      ++b.hits;
      if (b.temporary) {
        list_.erase(list_.begin() + long(i));
        continue;
      }
    }
    ++i;
  }
  if (first) return first;
  if (std::find(internal_.begin(), internal_.end(), eip) != internal_.end()) return 0u;
  return std::nullopt;
}

}  // namespace kjump
