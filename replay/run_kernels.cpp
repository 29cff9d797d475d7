// RunRecorder's kernel tracking: who has the CPU across kexec jumps, power cycles and
// physical-mode calls, from paging switches, control pages and the physical-mode code stream
// (the rules are at the top of replay/run_recorder.h), and the devices' states around them.
#include <algorithm>

#include "base/hex.h"
#include "machine/kexec/audit.h"
#include "replay/device_watch.h"
#include "replay/run_recorder.h"

namespace kjump {

namespace {

std::string lane_name(const RunEvents& ev, int lane) { return lane >= 0 ? ev.lanes[size_t(lane)].name : "?"; }

}  // namespace

uint32_t RunRecorder::peer_stack_word() const {
  // Paging is off: ESP is a physical address.
  uint32_t esp = m_->engine().reg(Reg::ESP);
  if (!m_->engine().ram().contains(esp, 4)) return 0;
  return m_->engine().ram().read32(esp);
}

void RunRecorder::on_paging(bool paging, uint32_t eip) {
  poll_findings();  // the audit looked first: its quiesce findings belong to this instant
  const uint32_t page = eip >> 12;
  if (!paging) {
    open_paging_off();
    KexecAudit::ImagePages img;
    if (tr_.current >= 0 && m_->kexec_audit().read_image(page, img)) {
      const int from = tr_.current;
      tr_.owner[page] = from;
      RunEvent j;
      j.kind = RunEvent::Kind::Jump;
      j.at = j.end = stamp();
      j.lane = from;
      j.control_page = page << 12;
      j.pages = unsigned(img.source.size());
      j.serial_at = ev_.serial.size();
      j.before = suspend_.open ? suspend_.fields : device_fields(true);
      j.name = "jump from " + lane_name(ev_, from);
      j.detail = "kexec jump by " + lane_name(ev_, from) + " through control page " + hex32(uint64_t(page) << 12) +
                 " (swap page " + hex32(uint64_t(img.swap) << 12) + ", " + std::to_string(img.source.size()) +
                 " source pages, " + std::to_string(img.indirection.size()) + " indirection pages)";
      ev_.events.push_back(std::move(j));
      tr_.jump = int(ev_.events.size() - 1);
      tr_.page = page;
      tr_.phys = Phys::Trampoline;
      PendingAfter pa;
      pa.jump = tr_.jump;
      // The devices this kernel's suspend made quiet: its resume is done when they are back.
      for (size_t i = 0; i < devices_.size(); ++i)
        if (devices_[i]->watch.quiet() && !devices_[i]->watch.last_active().empty()) pa.waiting.insert(i);
      pending_after_[from] = std::move(pa);
      if (img.source.empty()) {
        open_owner(RunEvent::Kind::PageSwap, ev_.lane(RunLane::Kind::Helper, "jump-back helper"),
                   "jump-back helper", "an image with no pages: only an entry (--load-jump-back-helper)");
      } else {
        open_owner(RunEvent::Kind::PageSwap, from, "trampoline: swap " + std::to_string(img.source.size()) + " pages",
                   "relocate_kernel in control page " + hex32(uint64_t(page) << 12) + " exchanges " +
                       std::to_string(img.source.size()) + " source pages with their destinations");
      }
      owner_span_->control_page = page << 12;
      owner_span_->pages = unsigned(img.source.size());
      return;
    }
    tr_.phys = Phys::Other;
    if (tr_.current >= 0) open_owner(RunEvent::Kind::Boot, tr_.current, "paging off", "CR0.PG cleared outside a kexec trampoline");
    return;
  }
  close_paging_off();
  const Phys was = tr_.phys;
  tr_.phys = Phys::None;
  switch (was) {
    case Phys::Entered: {
      // Paging on outside every control page: the image was a kernel, booting.
      int lane = kernel_lane();
      RunEvent& j = ev_.events[size_t(tr_.jump)];
      j.to_lane = lane;
      if (owner_span_) {
        owner_span_->lane = lane;
        owner_span_->name = "boot (paging off)";
        owner_span_->detail = "from its entry " + hex32(tr_.entry) + " (purgatory) to paging on at " + hex32(eip);
      }
      RunEvent e;
      e.kind = RunEvent::Kind::Entry;
      e.at = e.end = tr_.entered;
      e.lane = lane;
      e.entry = tr_.entry;
      e.name = lane_name(ev_, lane) + " boots";
      e.detail = "kernel " + lane_name(ev_, lane) + " entered at " + hex32(tr_.entry) + " by a jump from " +
                 lane_name(ev_, j.lane) + " (jump-back entry " + hex32(j.jump_back) + ")";
      e.serial_at = j.serial_at;
      ev_.events.push_back(std::move(e));
      tr_.current = lane;
      open_owner(RunEvent::Kind::KernelRun, lane, "running", "kernel " + lane_name(ev_, lane) + " with paging on");
      return;
    }
    case Phys::ReEntry:
      open_owner(RunEvent::Kind::KernelRun, tr_.current, "running", "kernel " + lane_name(ev_, tr_.current) + " resumed");
      resume_tracking(tr_.current);
      return;
    default:
      if (tr_.current >= 0)
        open_owner(RunEvent::Kind::KernelRun, tr_.current, "running", "kernel " + lane_name(ev_, tr_.current) + " with paging on");
      return;
  }
}

void RunRecorder::on_phys_code(uint32_t pc, uint64_t retired, uint64_t time) {
  const uint32_t page = pc >> 12;
  KexecAudit::ImagePages img;
  auto known_control_page = [&](uint32_t p) {
    return tr_.owner.count(p) && m_->kexec_audit().read_image(p, img);
  };
  auto reenter = [&](int lane, uint32_t p, const RunStamp& at) {
    tr_.phys = Phys::ReEntry;
    tr_.page = p;
    tr_.current = lane;
    RunEvent e;
    e.kind = RunEvent::Kind::Entry;
    e.at = e.end = at;
    e.lane = lane;
    e.entry = pc;
    e.name = lane_name(ev_, lane) + " resumes";
    e.detail = "kernel " + lane_name(ev_, lane) + " re-entered at " + hex32(pc) + " in its control page " +
               hex32(uint64_t(p) << 12);
    e.serial_at = ev_.serial.size();
    ev_.events.push_back(std::move(e));
    open_owner(RunEvent::Kind::ReEntry, lane, "re-entry: swap back " + std::to_string(img.source.size()) + " pages",
               "its trampoline's way back swaps the image's pages back, then turns paging on");
    owner_span_->control_page = p << 12;
    owner_span_->pages = unsigned(img.source.size());
  };
  switch (tr_.phys) {
    case Phys::Trampoline: {
      if (page == tr_.page) return;
      RunStamp at = stamp_at(retired, time);
      RunEvent& j = ev_.events[size_t(tr_.jump)];
      j.entry = pc;
      j.end = at;
      j.jump_back = peer_stack_word();
      j.name += " (entry " + hex32(pc) + ", jump-back entry " + hex32(j.jump_back) + ")";
      if (!j.jump_back) {
        // A normal kexec: the peer never comes back, so the image's pages were only copied
        // into place (the old contents are not kept for a way back).
        j.detail += "; a normal kexec: no way back, the pages are copied";
        if (owner_span_ && owner_span_->kind == RunEvent::Kind::PageSwap && owner_span_->pages)
          owner_span_->name = "trampoline: copy " + std::to_string(owner_span_->pages) + " pages (normal kexec)";
      }
      if (known_control_page(page)) {
        j.to_lane = tr_.owner[page];
        reenter(j.to_lane, page, at);
        return;
      }
      tr_.phys = Phys::Entered;
      tr_.entered = at;
      tr_.entry = pc;
      // Whose code this is shows later (paging on elsewhere: a kernel; back here: a routine).
      open_owner(RunEvent::Kind::Boot, -1, "entered", "");
      owner_span_->at = at;
      return;
    }
    case Phys::Entered: {
      bool back_home = page == (uint32_t(ev_.events[size_t(tr_.jump)].control_page) >> 12);
      if (!back_home && !known_control_page(page)) return;  // purgatory, a kernel's early boot ...
      if (back_home && !m_->kexec_audit().read_image(page, img)) return;
      // Code that ran with paging off and came back into a control page: a physical-mode routine.
      RunStamp at = stamp_at(retired, time);
      RunEvent& j = ev_.events[size_t(tr_.jump)];
      int lane = ev_.lane(RunLane::Kind::Routine, "routine " + hex32(tr_.entry));
      j.to_lane = lane;
      if (owner_span_) {
        owner_span_->lane = lane;
        owner_span_->kind = RunEvent::Kind::KernelRun;
        owner_span_->name = "physical-mode routine";
        owner_span_->detail = "entered at " + hex32(tr_.entry) + ", ran with paging off, returned to " + hex32(pc);
      }
      close_owner();
      int to = tr_.owner[page];
      RunEvent r;
      r.kind = RunEvent::Kind::Jump;
      r.at = r.end = at;
      r.lane = lane;
      r.to_lane = to;
      r.entry = pc;
      r.jump_back = peer_stack_word();
      r.control_page = page << 12;
      r.name = "return to " + lane_name(ev_, to) + " (entry " + hex32(pc) + ", next entry " + hex32(r.jump_back) + ")";
      r.detail = "the routine returned into control page " + hex32(uint64_t(page) << 12) + "; the slot holds " +
                 hex32(r.jump_back);
      r.serial_at = ev_.serial.size();
      ev_.events.push_back(std::move(r));
      reenter(to, page, at);
      return;
    }
    default:
      return;
  }
}

void RunRecorder::on_cr3(uint32_t cr3, uint64_t retired, uint64_t time) {
  RunEvent e;
  e.kind = RunEvent::Kind::Cr3Switch;
  e.at = e.end = stamp_at(retired, time);
  e.lane = cpu_lane_;
  e.name = "CR3 " + hex32(cr3);
  e.detail = "CR3 := " + hex32(cr3) + " (" + (tr_.current >= 0 ? lane_name(ev_, tr_.current) : "?") + ")";
  e.serial_at = ev_.serial.size();
  ev_.events.push_back(std::move(e));
}

RunEvent RunRecorder::device_span(TrackedDevice& d, FieldValues before) {
  RunEvent s;
  s.kind = RunEvent::Kind::DeviceState;
  s.at = stamp();
  s.lane = d.lane;
  s.name = d.watch.summary();
  s.quiet = d.watch.quiet();
  s.before = std::move(before);
  s.after = d.watch.fields();
  s.detail = d.watch.name() + ": " + s.name;
  s.serial_at = ev_.serial.size();
  return s;
}

void RunRecorder::sample_devices(int only) {
  for (size_t i = only >= 0 ? size_t(only) : 0; i < devices_.size(); ++i) {
    if (only >= 0 && i != size_t(only)) break;
    TrackedDevice& d = *devices_[i];
    if (!d.span) continue;  // powered off
    if (!d.watch.sample()) continue;
    FieldValues before = d.watch.previous_fields();
    const bool was_quiet = d.span->quiet, quiet = d.watch.quiet();
    if (!was_quiet && quiet && !d.watch.last_active().empty() && !suspend_.open) {
      suspend_.open = true;
      suspend_.fields.clear();
      for (auto& o : devices_) {
        if (!o->watch.has_config()) continue;
        FieldValues f = o.get() == &d ? before : o->watch.fields();
        suspend_.fields.insert(suspend_.fields.end(), f.begin(), f.end());
      }
    }
    if (was_quiet && !quiet) suspend_.open = false;
    if (d.lane < 0) d.lane = d.span->lane = ev_.lane(RunLane::Kind::Device, d.watch.name());
    d.span->end = stamp();
    ev_.events.push_back(*d.span);
    d.span = device_span(d, std::move(before));
    // A kernel resuming: its jump's `after` follows every device change once it has the CPU
    // back, until all the devices its suspend made quiet are active again and one goes quiet
    // (the next suspend), or it jumps again.
    for (auto& [lane, pa] : pending_after_) {
      if (!pa.resumed || pa.jump < 0) continue;
      if (!was_quiet && quiet && pa.waiting.empty()) {
        pa.jump = -1;
        continue;
      }
      if (!quiet) pa.waiting.erase(i);
      ev_.events[size_t(pa.jump)].after = device_fields(false);
    }
  }
}

void RunRecorder::resume_tracking(int lane) {
  auto it = pending_after_.find(lane);
  if (it == pending_after_.end()) return;
  it->second.resumed = true;
  if (it->second.jump >= 0) ev_.events[size_t(it->second.jump)].after = device_fields(false);
}

FieldValues RunRecorder::device_fields(bool before_suspend) const {
  // Before a suspend, a quiet device is shown as it last was while its kernel had it active.
  FieldValues out;
  for (auto& d : devices_) {
    if (!d->watch.has_config()) continue;
    FieldValues f = before_suspend && d->watch.quiet() && !d->watch.last_active().empty() ? d->watch.last_active()
                                                                                           : d->watch.fields();
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

}  // namespace kjump
