// One device's programmed state as the run's event list sees it (replay/run_recorder.h):
// the fields its declaration marks as programmed configuration (emu/state.h), read straight
// from the live device (the declaration's field pointers, no save), and what they mean for a
// suspend — the PIC's masks, the UART's IER, the PIT's channel 0 mode, the IDE's nIEN, the
// RTC's interrupt enables, as Linux's suspend callbacks leave them (docs/kexec-jump-reference.md).
// A device this file does not know is judged by its own quiesce audit (Device::audit_quiesce).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emu/state.h"
#include "machine/device.h"
#include "replay/run_events.h"

namespace kjump {

class DeviceWatch {
 public:
  explicit DeviceWatch(Device& d);
  const std::string& name() const { return dev_.name(); }
  const Device& device() const { return dev_; }
  // Reads the fields again; true if they differ from the last read (the first read is a change).
  bool sample();
  bool quiet() const { return quiet_; }
  const std::string& summary() const { return summary_; }
  // "pic.master.imr" = "0xff", ... as of the last read, and as of the read before it.
  FieldValues fields() const { return format(values_); }
  FieldValues previous_fields() const { return format(previous_); }
  bool has_config() const { return !parts_.empty(); }
  // The fields as of the last change that left the device active: what its kernel had
  // programmed before a suspend (empty until a change after a reset or restore made it active).
  const FieldValues& last_active() const { return last_active_; }
  void forget_active() { last_active_.clear(); }

 private:
  struct Part {
    std::string name;   // "master.imr", "cmos[11]"
    const void* ptr;    // the element, or (vector) the std::vector<uint8_t>
    size_t size;        // bytes of the element
    size_t index;       // vector: the element's index
    bool vector;
    uint64_t mask;
  };
  uint64_t value(const std::string& part) const;  // the last read value of a named part (0 if none)
  FieldValues format(const std::vector<uint64_t>& values) const;
  void summarise();

  Device& dev_;
  StateDecl decl_;
  std::vector<Part> parts_;
  std::vector<uint64_t> values_, previous_;
  bool read_ = false;
  bool quiet_ = false;
  std::string summary_;
  FieldValues last_active_;
};

}  // namespace kjump
