#include "machine/kexec/audit.h"

#include <algorithm>
#include <map>

#include "abi/kexec_control_page.h"
#include "base/hex.h"
#include "emu/engine.h"
#include "machine/device.h"

namespace kjump {
namespace {

constexpr uint32_t kPageOffset = 0xC0000000u;  // the i386 kernel's direct map (Linux's 3G/1G split)

// "0x00123000-0x00125fff" for a run of pages.
std::string page_range(uint32_t first, uint32_t last) {
  return hex32(uint64_t(first) << 12) + "-" + hex32((uint64_t(last) << 12) | 0xfff);
}

}  // namespace

KexecAudit::KexecAudit(Engine& engine, std::vector<Device*> devices)
    : engine_(engine), devices_(std::move(devices)) {
  engine_.set_paging_watch([this](bool paging, uint32_t eip) { on_paging(paging, eip); });
}

void KexecAudit::add(const std::string& kind, const std::string& text) {
  findings_.push_back({engine_.now(), engine_.retired(), kind, text});
}

bool KexecAudit::looks_like_control_page(uint32_t page) const {
  const GuestRam& ram = engine_.ram();
  uint64_t pa = uint64_t(page) << 12;
  if (!ram.contains(pa, KEXEC_CONTROL_PAGE_SIZE)) return false;
  // The data area of abi/kexec_control_page.h, as relocate_kernel left it.
  uint32_t va = ram.read32(pa + CP_VA_CONTROL_PAGE);
  uint32_t swap = ram.read32(pa + CP_PA_SWAP_PAGE);
  uint32_t head = ram.read32(pa + CP_PA_BACKUP_PAGES_MAP);  // the indirection list's head entry
  if (va != uint32_t(pa) + kPageOffset) return false;
  if (swap == 0 || (swap & 0xfff) || !ram.contains(swap, 0x1000)) return false;
  return (head & (IND_INDIRECTION | IND_DONE)) != 0;
}

bool KexecAudit::read_image(uint32_t control_page, ImagePages& out) const {
  if (!looks_like_control_page(control_page)) return false;
  const GuestRam& ram = engine_.ram();
  uint64_t pa = uint64_t(control_page) << 12;
  out.control = control_page;
  out.swap = ram.read32(pa + CP_PA_SWAP_PAGE) >> 12;
  // The swap walk of relocate_kernel, done on the host: the same list serves both directions.
  uint32_t entry = ram.read32(pa + CP_PA_BACKUP_PAGES_MAP);
  uint64_t ptr = 0;  // where the next entry is read, once inside an indirection page
  uint32_t dest = 0;
  for (unsigned guard = 0; guard < (1u << 22); ++guard) {
    if (entry & IND_DESTINATION) {
      dest = entry & ~0xfffu;
    } else if (entry & IND_INDIRECTION) {
      ptr = entry & ~0xfffu;
      if (!ram.contains(ptr, 0x1000)) return false;
      out.indirection.insert(uint32_t(ptr >> 12));
      entry = ram.read32(ptr);
      ptr += 4;
      continue;
    } else if (entry & IND_DONE) {
      return true;
    } else if (entry & IND_SOURCE) {
      out.source.insert(entry >> 12);
      out.destination.insert(dest >> 12);
      dest += 0x1000;
    }
    if (!ptr || !ram.contains(ptr, 4)) return false;
    entry = ram.read32(ptr);
    ptr += 4;
  }
  return false;
}

void KexecAudit::quiesce_audit(uint32_t control_page) {
  std::vector<std::string> notes;
  for (Device* d : devices_) {
    notes.clear();
    d->audit_quiesce(notes);
    // Devices name themselves in their notes ("uart: interrupts enabled (IER=0x01)").
    for (auto& n : notes) add("quiesce", n + ", at the jump from control page " + hex32(uint64_t(control_page) << 12));
  }
}

void KexecAudit::on_paging(bool paging, uint32_t eip) {
  Engine& e = engine_;
  if (!paging) {
    uint32_t page = eip >> 12;
    if (looks_like_control_page(page)) {
      ++jumps_;
      quiesce_audit(page);
      known_control_pages_.insert(page);
    }
    // Forbid everything outside the pages the known images may touch.
    std::set<uint32_t> allowed;
    for (uint32_t cp : known_control_pages_) {
      ImagePages img;
      if (!read_image(cp, img)) continue;
      allowed.insert(img.control);
      allowed.insert(img.swap);
      allowed.insert(img.indirection.begin(), img.indirection.end());
      allowed.insert(img.source.begin(), img.source.end());
      allowed.insert(img.destination.begin(), img.destination.end());
    }
    AccessAuditSpec spec;
    spec.forbidden.assign(size_t(e.ram().size() >> 12), 1);
    for (uint32_t p : allowed)
      if (p < spec.forbidden.size()) spec.forbidden[p] = 0;
    // Only code in a control page is the trampoline; purgatory, a physical-mode routine or the
    // next kernel's first instructions are not judged.
    spec.judged = [this](uint32_t page) { return looks_like_control_page(page); };
    e.clear_audited_accesses();
    e.set_access_audit(std::move(spec));
    in_phase_ = true;
    return;
  }
  if (in_phase_) {
    e.set_access_audit(std::nullopt);
    analyse_phase();
    in_phase_ = false;
  }
}

void KexecAudit::analyse_phase() {
  // The first access of each kind (code page, page, read/write) to a forbidden page, in
  // execution order, each with its address, size, EIP and instruction count.
  const std::vector<AuditedAccess>& acc = engine_.audited_accesses();
  std::set<uint32_t> ran;  // code pages that touched forbidden pages
  for (const AuditedAccess& a : acc) ran.insert(a.code_page);
  // Every control page that ran code in this phase contributes its image's pages.
  std::set<uint32_t> allowed;
  std::vector<uint32_t> control_pages;  // ascending: deterministic report order
  std::set<uint32_t> candidates(known_control_pages_);
  candidates.insert(ran.begin(), ran.end());
  for (uint32_t code_page : candidates) {
    ImagePages img;
    if (!read_image(code_page, img)) continue;
    if (ran.count(code_page)) control_pages.push_back(code_page);
    allowed.insert(img.control);
    allowed.insert(img.swap);
    allowed.insert(img.indirection.begin(), img.indirection.end());
    allowed.insert(img.source.begin(), img.source.end());
    allowed.insert(img.destination.begin(), img.destination.end());
  }
  if (!known_control_pages_.empty()) ++phases_;  // a stretch in which a trampoline may have run
  for (uint32_t cp : control_pages) {
    for (bool write : {false, true}) {
      std::map<uint32_t, const AuditedAccess*> first;  // offending page -> its first access
      for (const AuditedAccess& a : acc)
        if (a.code_page == cp && a.write == write && !allowed.count(a.addr >> 12)) first.emplace(a.addr >> 12, &a);
      // Runs of offending pages, reported as ranges, each at the earliest access in it.
      for (auto it = first.begin(); it != first.end();) {
        uint32_t lo = it->first, hi = lo;
        const AuditedAccess* earliest = it->second;
        for (++it; it != first.end() && it->first == hi + 1; ++it) {
          hi = it->first;
          earliest = std::min(earliest, it->second);  // same vector: lower address = earlier
        }
        findings_.push_back({earliest->time, earliest->retired, "trampoline",
                             std::string("code in control page ") + hex32(uint64_t(cp) << 12) +
                                 (write ? " wrote " : " read ") + page_range(lo, hi) +
                                 ", outside its control, swap, indirection, source and destination pages; first " +
                                 std::to_string(earliest->size) + " byte(s) at " + hex32(earliest->addr) +
                                 " by the instruction at " + hex32(earliest->eip)});
      }
    }
  }
}

std::vector<std::string> KexecAudit::summary() const {
  std::vector<std::string> out;
  if (findings_.empty()) {
    out.push_back("no findings (" + std::to_string(jumps_) + " kexec jumps, " + std::to_string(phases_) +
                  " trampoline runs audited)");
    return out;
  }
  for (auto& f : findings_)
    out.push_back(f.kind + " at instruction " + std::to_string(f.retired) + ": " + f.text);
  return out;
}

}  // namespace kjump
