#include "replay/snapshot.h"

#include "emu/state.h"

namespace kjump {

Snapshot SnapshotStore::take(Machine& m) {
  Snapshot s;
  s.time = m.now();
  s.retired = m.engine().retired();
  s.state = save_state(m.state());
  const GuestRam& ram = m.engine().ram();
  s.ram = RamImage::capture(ram.data(), ram.size(), &last_ram_, &s.ram_pages_copied);
  s.serial_output = m.serial_output();
  s.input_log = m.input_log();
  last_ram_ = s.ram;
  return s;
}

void SnapshotStore::restore(Machine& m, const Snapshot& s) {
  GuestRam& ram = m.engine().ram();
  if (s.ram.size() != ram.size())
    throw StateError("snapshot holds " + std::to_string(s.ram.size()) + " bytes of RAM, this machine has " +
                     std::to_string(ram.size()));
  // Declared state first: it validates every field name before changing anything. Its
  // post_load restores Unicorn's context and flushes the TLB and translated code.
  load_state(m.state(), s.state);
  s.ram.copy_to(ram.data());
  // The RAM just changed under any code translated since the flush above (none, but the
  // invariant "host RAM writes invalidate code" should not depend on that ordering).
  m.engine().invalidate_code();
  m.restore_history(s.serial_output, s.input_log);
}

}  // namespace kjump
