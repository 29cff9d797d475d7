#include "replay/device_watch.h"

#include <cstring>

#include "base/hex.h"

namespace kjump {
namespace {

uint64_t read_element(const void* p, size_t size) {
  uint64_t v = 0;
  std::memcpy(&v, p, size < sizeof v ? size : sizeof v);  // little-endian host, as the state format
  return v;
}

// The 8254's input clock (Hz), for a periodic channel's rate.
constexpr uint64_t kPitHz = 1193182;

}  // namespace

DeviceWatch::DeviceWatch(Device& d) : dev_(d) {
  dev_.declare_state(decl_);
  for (const StateField& f : decl_.fields()) {
    for (const ConfigPart& c : f.config) {
      auto add = [&](size_t element, size_t elements) {
        Part p{f.name, nullptr, f.size, element, false, c.mask};
        if (elements > 1) p.name += "[" + std::to_string(element) + "]";
        switch (f.type) {
          case FieldType::Unsigned:
          case FieldType::Signed:
          case FieldType::Bool:
            p.ptr = static_cast<const uint8_t*>(f.ptr) + element * f.size;
            break;
          case FieldType::Bytes:
            p.ptr = static_cast<const uint8_t*>(f.ptr) + element;
            p.size = 1;
            break;
          case FieldType::ByteVector:
            p.ptr = f.ptr;
            p.size = 1;
            p.vector = true;
            break;
          default:
            return;  // strings and timers are never configuration
        }
        parts_.push_back(std::move(p));
      };
      size_t elements = f.type == FieldType::Bytes ? f.size : f.count;
      if (c.element != ConfigPart::kEvery) add(c.element, elements);
      else if (f.type == FieldType::ByteVector) continue;  // variable length: not watched whole
      else
        for (size_t i = 0; i < elements; ++i) add(i, elements);
    }
  }
  values_.assign(parts_.size(), 0);
  previous_ = values_;
}

bool DeviceWatch::sample() {
  bool changed = !read_;
  // Cheap when nothing changed (every port write asks): compare in place, keep the old values
  // only when something differs.
  for (size_t i = 0; i < parts_.size(); ++i) {
    const Part& p = parts_[i];
    uint64_t v;
    if (p.vector) {
      auto& vec = *static_cast<const std::vector<uint8_t>*>(p.ptr);
      v = p.index < vec.size() ? vec[p.index] : 0;
    } else {
      v = read_element(p.ptr, p.size);
    }
    v &= p.mask;
    if (v != values_[i]) {
      if (!changed) previous_ = values_;
      changed = true;
    }
    values_[i] = v;
  }
  if (parts_.empty()) {
    // No configuration declared: only the device's own quiesce notes say anything.
    std::vector<std::string> notes;
    dev_.audit_quiesce(notes);
    std::string text = notes.empty() ? "quiet" : notes.front();
    changed = !read_ || text != summary_;
  }
  const bool first = !read_;
  read_ = true;
  if (changed) {
    summarise();
    if (!quiet_ && !first) last_active_ = fields();
  }
  return changed;
}

uint64_t DeviceWatch::value(const std::string& part) const {
  for (size_t i = 0; i < parts_.size(); ++i)
    if (parts_[i].name == part) return values_[i];
  return 0;
}

FieldValues DeviceWatch::format(const std::vector<uint64_t>& values) const {
  FieldValues out;
  for (size_t i = 0; i < parts_.size() && i < values.size(); ++i)
    out.emplace_back(name() + "." + parts_[i].name, hex(values[i]));
  return out;
}

void DeviceWatch::summarise() {
  const std::string& n = name();
  if (n == "pic") {
    // Quiet when no line can reach the CPU: every master input masked. Lines 8-15 pass the
    // master's input 2 (the cascade).
    uint64_t m = value("master.imr"), s = value("slave.imr");
    std::string open;
    for (unsigned irq = 0; irq < 16; ++irq) {
      bool on = irq < 8 ? !(m & (1u << irq)) && irq != 2 : !(m & 4) && !(s & (1u << (irq - 8)));
      if (on) open += (open.empty() ? "" : ",") + std::to_string(irq);
    }
    quiet_ = open.empty();
    summary_ = quiet_ ? "all IRQs masked" : "IRQs " + open + " unmasked";
  } else if (n == "uart") {
    uint64_t ier = value("ier");
    quiet_ = ier == 0;
    summary_ = quiet_ ? "interrupts disabled (IER=0)" : "interrupts enabled (IER=" + hex(ier, 2) + ")";
  } else if (n == "pit") {
    uint64_t mode = value("ch0.mode"), count = value("ch0.count");
    quiet_ = !(mode == 2 || mode == 3);
    if (quiet_) summary_ = "channel 0 stopped (mode " + std::to_string(mode) + ")";
    else
      summary_ = "channel 0 periodic, " + std::to_string(count ? kPitHz / count : 0) + " Hz (mode " +
                 std::to_string(mode) + ", count " + std::to_string(count) + ")";
  } else if (n == "ide") {
    quiet_ = value("cmd") & 0x02;  // nIEN
    summary_ = quiet_ ? "interrupts disabled (nIEN)" : "interrupts enabled";
  } else if (n == "rtc") {
    uint64_t b = value("cmos[11]");
    std::string on;
    if (b & 0x40) on += " PIE";
    if (b & 0x20) on += " AIE";
    if (b & 0x10) on += " UIE";
    quiet_ = on.empty();
    summary_ = quiet_ ? "interrupts disabled" : "interrupts enabled:" + on;
  } else if (parts_.empty()) {
    std::vector<std::string> notes;
    dev_.audit_quiesce(notes);
    quiet_ = notes.empty();
    summary_ = quiet_ ? "quiet" : notes.front();
  } else {
    std::vector<std::string> notes;
    dev_.audit_quiesce(notes);
    quiet_ = notes.empty();
    summary_ = quiet_ ? "configured, quiet" : notes.front();
  }
}

}  // namespace kjump
