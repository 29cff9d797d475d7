#include "session/breakpoints.h"

#include <algorithm>

#include "base/hex.h"
#include "machine/machine.h"

namespace kjump {

unsigned Breakpoints::add(uint32_t addr, bool physical, bool temporary, std::string spec, std::string condition_text,
                          BreakCondition condition) {
  Breakpoint b;
  b.id = next_id_++;
  b.addr = addr;
  b.physical = physical;
  b.temporary = temporary;
  b.spec = std::move(spec);
  b.condition_text = std::move(condition_text);
  b.condition = std::move(condition);
  list_.push_back(std::move(b));
  return list_.back().id;
}

void Breakpoints::add_internal(uint32_t addr, BreakCondition condition) {
  internal_.push_back({addr, std::move(condition)});
}
void Breakpoints::clear_internal() { internal_.clear(); }

bool Breakpoints::remove(unsigned id) {
  auto it = std::find_if(list_.begin(), list_.end(), [&](const Breakpoint& b) { return b.id == id; });
  if (it != list_.end()) {
    list_.erase(it);
    return true;
  }
  auto w = std::find_if(watches_.begin(), watches_.end(), [&](const Watchpoint& x) { return x.id == id; });
  if (w == watches_.end()) return false;
  watches_.erase(w);
  return true;
}

unsigned Breakpoints::add_watch(uint32_t addr, uint32_t len, bool physical, WatchKind kind, std::string spec) {
  Watchpoint w;
  w.id = next_id_++;
  w.addr = addr;
  w.len = len;
  w.physical = physical;
  w.kind = kind;
  w.spec = std::move(spec);
  watches_.push_back(std::move(w));
  return watches_.back().id;
}

Watchpoint* Breakpoints::find_watch(unsigned id) {
  for (Watchpoint& w : watches_)
    if (w.id == id) return &w;
  return nullptr;
}

std::vector<WatchRange> Breakpoints::engine_watch_ranges() const {
  std::vector<WatchRange> out;
  for (const Watchpoint& w : watches_)
    out.push_back({w.addr, uint64_t(w.addr) + w.len, w.physical, w.kind != WatchKind::Write, w.kind != WatchKind::Read});
  return out;
}

namespace {

bool read_range(Machine& m, const Watchpoint& w, std::vector<uint8_t>& out) {
  out.assign(w.len, 0);
  if (w.physical) {
    const GuestRam& ram = m.engine().ram();
    if (uint64_t(w.addr) + w.len > ram.size()) return false;
    std::copy(ram.data() + w.addr, ram.data() + w.addr + w.len, out.begin());
    return true;
  }
  return m.engine().read_virt(w.addr, out.data(), w.len);
}

std::string format_value(const std::vector<uint8_t>& v, bool readable) {
  if (!readable) return "<not readable>";
  if (v.size() == 1 || v.size() == 2 || v.size() == 4 || v.size() == 8) {
    uint64_t x = 0;
    for (size_t i = 0; i < v.size(); ++i) x |= uint64_t(v[i]) << (8 * i);
    return hex(x, unsigned(v.size() * 2)) + " (" + std::to_string(x) + ")";
  }
  std::string out;
  for (uint8_t b : v) out += (out.empty() ? "" : " ") + hex(b, 2).substr(2);
  return out;
}

}  // namespace

void Breakpoints::refresh_watch_values(Machine& m) {
  for (Watchpoint& w : watches_) w.readable = read_range(m, w, w.value);
}

std::optional<unsigned> Breakpoints::watch_hit(Machine& m, const WatchAccess& a, std::string* report, bool count) {
  std::optional<unsigned> first;
  for (Watchpoint& w : watches_) {
    const uint64_t lo = w.physical ? a.pa : a.linear;
    if (!(lo < uint64_t(w.addr) + w.len && w.addr < lo + a.size)) continue;
    if (a.write ? w.kind == WatchKind::Read : w.kind == WatchKind::Write) continue;
    std::vector<uint8_t> now;
    bool readable = read_range(m, w, now);
    bool changed = readable != w.readable || now != w.value;
    // `watch` is gdb's: a write that leaves the value as it was is not a stop.
    if (w.kind == WatchKind::Write && !changed) continue;
    if (!first) {
      first = w.id;
      if (report) {
        const char* what = w.kind == WatchKind::Write  ? "Hardware watchpoint "
                           : w.kind == WatchKind::Read ? "Hardware read watchpoint "
                                                       : "Hardware access (read/write) watchpoint ";
        *report = what + std::to_string(w.id) + ": " + w.spec + (w.physical ? " (physical)" : "") + "\n";
        if (a.write && changed)
          *report += "Old value = " + format_value(w.value, w.readable) + "\nNew value = " + format_value(now, readable);
        else
          *report += "Value = " + format_value(now, readable);
      }
    }
    if (count) ++w.hits;
    w.value = std::move(now);
    w.readable = readable;
  }
  return first;
}

const Breakpoint* Breakpoints::find(unsigned id) const {
  for (const Breakpoint& b : list_)
    if (b.id == id) return &b;
  return nullptr;
}

std::set<uint32_t> Breakpoints::engine_addresses() const {
  std::set<uint32_t> out;
  for (const Internal& i : internal_) out.insert(i.addr);
  for (const Breakpoint& b : list_) {
    out.insert(b.addr);
    if (b.physical && b.addr < kPageOffset) out.insert(b.addr + kPageOffset);
  }
  return out;
}

std::optional<unsigned> Breakpoints::hit(Machine& m, uint32_t eip, std::optional<uint64_t> pa, bool count,
                                         std::string* error) {
  // Every breakpoint at this instruction whose condition holds counts the hit (a virtual and
  // a physical one on the same code); the lowest number is the one reported, as gdb does.
  auto holds = [&](const BreakCondition& c) {
    if (!c) return true;
    std::string why;
    bool ok = c(m, &why);
    if (!why.empty() && error && error->empty()) *error = why;
    return ok || !why.empty();
  };
  std::optional<unsigned> first;
  for (size_t i = 0; i < list_.size();) {
    Breakpoint& b = list_[i];
    bool match = (b.physical ? (pa && *pa == b.addr) : eip == b.addr) && holds(b.condition);
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
  for (const Internal& in : internal_)
    if (in.addr == eip && holds(in.condition)) return 0u;
  return std::nullopt;
}

}  // namespace kjump
