#include "replay/run_recorder.h"

#include <algorithm>

#include "base/hex.h"
#include "machine/kexec/audit.h"

namespace kjump {

RunRecorder::RunRecorder(std::string title) {
  ev_.title = std::move(title);
  cpu_lane_ = ev_.lane(RunLane::Kind::Cpu, "cpu");
  session_lane_ = ev_.lane(RunLane::Kind::Session, "session");
}

RunRecorder::~RunRecorder() { detach(); }

void RunRecorder::attach(Machine& m) {
  detach();
  m_ = &m;
  Engine& e = m.engine();
  e.set_run_observers({[this](bool paging, uint32_t eip) {
                         if (!muted()) on_paging(paging, eip);
                       },
                       [this](uint32_t cr3, uint64_t r, uint64_t t) {
                         if (!muted()) on_cr3(cr3, r, t);
                       },
                       [this](uint32_t pc, uint64_t r, uint64_t t) {
                         if (!muted()) on_phys_code(pc, r, t);
                       }});
  m.on_port_write = [this](uint16_t port) {
    if (!muted()) on_port_write(port);
  };
  devices_.clear();
  port_device_.assign(0x10000, -2);
  for (Device* d : m.devices()) devices_.push_back(std::make_unique<TrackedDevice>(*d));
  findings_seen_ = m.kexec_audit().findings().size();
  off_insns_ = int64_t(last_.insns) - int64_t(e.retired());
  off_ns_ = int64_t(last_.ns) - int64_t(e.now());
  restart_device_spans();
}

void RunRecorder::restart_device_spans() {
  RunStamp now = stamp();
  suspend_.open = false;
  for (auto& d : devices_) {
    if (d->span && d->lane >= 0) {
      d->span->end = now;
      ev_.events.push_back(*d->span);
    }
    d->watch.sample();
    d->watch.forget_active();  // the state a reset or restore leaves is nobody's programming
    d->span = device_span(*d, d->watch.fields());
  }
}

void RunRecorder::on_port_write(uint16_t port) {
  // Only the device the port belongs to can have changed (the bus decodes each port to one
  // device): every PIO word to the disk must not re-read every device.
  int16_t& i = port_device_[port];
  if (i == -2) {
    i = -1;
    auto* dev = dynamic_cast<Device*>(m_->bus().device_at(port));
    for (size_t k = 0; k < devices_.size(); ++k)
      if (&devices_[k]->watch.device() == dev) i = int16_t(k);
  }
  if (i >= 0) sample_devices(i);
}

void RunRecorder::detach() {
  if (!m_) return;
  m_->engine().set_run_observers({});
  m_->on_port_write = nullptr;
  m_ = nullptr;
}

// ---- the axis ----

RunStamp RunRecorder::stamp_at(uint64_t retired, uint64_t time) {
  RunStamp s;
  s.retired = retired;
  s.time = time;
  int64_t a = int64_t(retired) + off_insns_, b = int64_t(time) + off_ns_;
  if (a < int64_t(last_.insns) || b < int64_t(last_.ns)) {
    // The counters went back without a word from the owner: go on from the furthest point.
    off_insns_ = int64_t(last_.insns) - int64_t(retired);
    off_ns_ = int64_t(last_.ns) - int64_t(time);
    a = int64_t(last_.insns);
    b = int64_t(last_.ns);
  }
  s.insns = uint64_t(a);
  s.ns = uint64_t(b);
  last_ = s;
  return s;
}

RunStamp RunRecorder::stamp() {
  if (!m_) return last_;
  return stamp_at(m_->engine().retired(), m_->now());
}

void RunRecorder::discontinuity(const std::string& what) {
  if (!m_) return;
  off_insns_ = int64_t(last_.insns) - int64_t(m_->engine().retired());
  off_ns_ = int64_t(last_.ns) - int64_t(m_->now());
  findings_seen_ = std::min(findings_seen_, m_->kexec_audit().findings().size());
  if (!what.empty()) marker(RunEvent::Kind::Snapshot, session_lane_, what, what + " (the machine is now at instruction " +
                                                                           std::to_string(m_->engine().retired()) + ")");
  restart_device_spans();
}

// ---- spans and markers ----

void RunRecorder::marker(RunEvent::Kind kind, int lane, const std::string& name, const std::string& detail) {
  RunEvent e;
  e.kind = kind;
  e.at = e.end = stamp();
  e.lane = lane;
  e.name = name;
  e.detail = detail;
  e.serial_at = ev_.serial.size();
  ev_.events.push_back(std::move(e));
}

void RunRecorder::open_owner(RunEvent::Kind kind, int lane, const std::string& name, const std::string& detail) {
  close_owner();
  RunEvent e;
  e.kind = kind;
  e.at = stamp();
  e.lane = lane;
  e.name = name;
  e.detail = detail;
  e.serial_at = ev_.serial.size();
  owner_span_ = std::move(e);
}

void RunRecorder::close_owner() {
  if (!owner_span_) return;
  owner_span_->end = stamp();
  if (owner_span_->lane >= 0) ev_.events.push_back(std::move(*owner_span_));
  owner_span_.reset();
}

void RunRecorder::open_paging_off() {
  if (paging_span_) return;
  RunEvent e;
  e.kind = RunEvent::Kind::PagingOff;
  e.at = stamp();
  e.lane = cpu_lane_;
  e.name = "paging off";
  e.serial_at = ev_.serial.size();
  paging_span_ = std::move(e);
}

void RunRecorder::close_paging_off() {
  if (!paging_span_) return;
  paging_span_->end = stamp();
  paging_span_->detail = "CR0.PG clear for " + std::to_string(paging_span_->end.insns - paging_span_->at.insns) +
                         " instructions";
  ev_.events.push_back(std::move(*paging_span_));
  paging_span_.reset();
}

int RunRecorder::kernel_lane() {
  unsigned n = tr_.kernels++;
  std::string name;
  do {
    name.insert(name.begin(), char('A' + n % 26));
    n /= 26;
  } while (n-- > 0);
  return ev_.lane(RunLane::Kind::Kernel, name);
}

// ---- power and the host ----

void RunRecorder::power_on() {
  if (!m_) return;
  discontinuity("");
  powered_ = true;
  marker(RunEvent::Kind::PowerOn, cpu_lane_, "power on", "power on: RAM cleared, devices reset, the kernel loaded");
  // A new boot: whatever ran before is gone (only the disk, and what we know of control pages,
  // survive: a kernel C may resume an image of A's).
  int lane = kernel_lane();
  tr_.current = lane;
  tr_.phys = Phys::Boot;
  uint32_t eip = m_->engine().reg(Reg::EIP);
  marker(RunEvent::Kind::Entry, lane, ev_.lanes[size_t(lane)].name + " boots",
         "kernel " + ev_.lanes[size_t(lane)].name + " entered by the loader at " + hex32(eip) + " (Multiboot)");
  ev_.events.back().entry = eip;
  open_owner(RunEvent::Kind::Boot, lane, "boot (paging off)", "from the Multiboot entry to paging on");
  if (!(m_->engine().reg(Reg::CR0) >> 31)) open_paging_off();
  restart_device_spans();
}

void RunRecorder::power_off(const std::string& how) {
  if (!powered_) return;
  powered_ = false;
  close_owner();
  close_paging_off();
  for (auto& d : devices_) {
    if (d->span && d->lane >= 0) {
      d->span->end = stamp();
      ev_.events.push_back(*d->span);
    }
    d->span.reset();
  }
  marker(RunEvent::Kind::PowerOff, cpu_lane_, "power off", how);
  tr_.current = -1;
  tr_.phys = Phys::None;
}

void RunRecorder::serial(uint8_t c) { ev_.serial.push_back(char(c)); }

void RunRecorder::after_run() {
  if (!m_) return;
  stamp();
  poll_findings();
  if (powered_ && !m_->power().on) {
    std::string how = "the guest powered off";
    if (m_->power().exit_status) how += " (isa-debug-exit status " + std::to_string(*m_->power().exit_status) + ")";
    power_off(how);
  }
}

void RunRecorder::poll_findings() {
  const auto& f = m_->kexec_audit().findings();
  for (; findings_seen_ < f.size(); ++findings_seen_) {
    const AuditFinding& a = f[findings_seen_];
    RunEvent e;
    e.kind = RunEvent::Kind::Finding;
    e.at = e.end = stamp_at(a.retired, a.time);
    e.lane = tr_.current >= 0 ? tr_.current : cpu_lane_;
    e.name = a.kind + " finding";
    e.detail = a.kind + " at instruction " + std::to_string(a.retired) + ": " + a.text;
    e.serial_at = ev_.serial.size();
    ev_.events.push_back(std::move(e));
  }
}

void RunRecorder::checkpoint(const std::string& name, uint64_t hash) {
  marker(RunEvent::Kind::Checkpoint, session_lane_, name,
         "checkpoint " + name + " at instruction " + std::to_string(m_ ? m_->engine().retired() : 0) + ", state hash " +
             hex64(hash));
  ev_.events.back().hash = hash;
}

void RunRecorder::snapshot(const std::string& what) { marker(RunEvent::Kind::Snapshot, session_lane_, what, what); }

void RunRecorder::step_begin(const std::string& verb, const std::string& text) {
  step_end("");
  RunEvent e;
  e.kind = RunEvent::Kind::Step;
  e.at = stamp();
  e.lane = session_lane_;
  e.name = verb;
  e.detail = text;
  e.serial_at = ev_.serial.size();
  step_span_ = std::move(e);
}

void RunRecorder::step_end(const std::string& outcome) {
  if (!step_span_) return;
  step_span_->end = stamp();
  if (!outcome.empty()) step_span_->detail += "\n" + outcome;
  ev_.events.push_back(std::move(*step_span_));
  step_span_.reset();
}

void RunRecorder::fault(const std::string& text) {
  poll_findings();
  marker(RunEvent::Kind::Fault, tr_.current >= 0 ? tr_.current : cpu_lane_, "fault", text);
}

void RunRecorder::save_tracking(const std::string& snapshot) { saved_[snapshot] = tr_; }

void RunRecorder::restore_tracking(const std::string& snapshot) {
  auto it = saved_.find(snapshot);
  if (it == saved_.end()) return;
  close_owner();
  unsigned kernels = tr_.kernels;
  auto owner = tr_.owner;
  tr_ = it->second;
  tr_.kernels = kernels;  // names already given stay given
  for (auto& [page, lane] : owner) tr_.owner.emplace(page, lane);
  if (tr_.current >= 0)
    open_owner(tr_.phys == Phys::None || tr_.phys == Phys::Other ? RunEvent::Kind::KernelRun : RunEvent::Kind::Boot,
               tr_.current, "running (restored)", "the machine was put back to snapshot " + snapshot);
  if (m_ && !(m_->engine().reg(Reg::CR0) >> 31)) open_paging_off();
  else close_paging_off();
}

RunEvents RunRecorder::events() const {
  RunEvents out = ev_;
  RunStamp now = last_;
  auto close = [&](const std::optional<RunEvent>& s) {
    if (!s || s->lane < 0) return;
    RunEvent e = *s;
    e.end = now;
    out.events.push_back(std::move(e));
  };
  close(owner_span_);
  close(paging_span_);
  close(step_span_);
  for (auto& d : devices_) close(d->span);
  out.end = now;
  return out;
}

}  // namespace kjump
