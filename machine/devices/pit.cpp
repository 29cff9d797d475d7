#include "machine/devices/pit.h"

#include "base/muldiv.h"
#include "machine/bus.h"
#include "machine/devices/byte_ports.h"

namespace kjump {

constexpr uint64_t kNsPerSecond = 1000000000ull;

uint64_t Pit8254::ns_to_ticks(uint64_t ns) { return muldiv64(ns, kFrequencyHz, kNsPerSecond); }
uint64_t Pit8254::ticks_to_ns(uint64_t ticks) { return muldiv64(ticks, kNsPerSecond, kFrequencyHz); }

Pit8254::Pit8254(const Clock& clock, EventQueue& queue, IrqLine irq0)
    : Device("pit"), clock_(clock), irq0_(irq0), irq_timer_(queue, "pit.irq0", [this] { on_irq_timer(); }) {
  reset();
}

void Pit8254::map(Bus& bus) {
  bus.map_io(kBase, kCount, this, "pit");
  bus.map_io(kSpeakerPort, 1, this, "pcspk");
}

void Pit8254::reset() {
  // QEMU pit_reset_common: mode 3, count 65536, gates 1/1/0, loaded now. Only channel 0
  // has an IRQ timer; reset arms it without touching the IRQ line.
  uint64_t now = clock_.now();
  for (int i = 0; i < 3; ++i) {
    Channel& s = ch_[i];
    s = Channel{};
    s.mode = 3;
    s.gate = (i != 2);
    s.count_load_time = now;
    s.count = 0x10000;
  }
  ch_[0].next_transition_time = next_transition(ch_[0], now);
  if (ch_[0].next_transition_time != kNever)
    irq_timer_.arm(ch_[0].next_transition_time);
  else
    irq_timer_.cancel();
  speaker_data_on_ = 0;
  refresh_clock_ = 0;
}

// Configuration: per channel the control word (mode, BCD, access mode), the reload count the
// driver wrote and the gate, and port 0x61's speaker enable — what sets the timer's rate and
// shape; not the counter's progress (load time, next transition, latches, the byte-order
// flip-flops mid-access, status) nor the refresh toggle, which follow time, not the driver.
// Valid values: a count of 1..65536 (the counter divides by it), the access-state machines'
// states, the mode and the load time within the clock's range.
void Pit8254::declare_state(StateDecl& d) {
  for (int i = 0; i < 3; ++i) {
    Channel& s = ch_[i];
    std::string p = "ch" + std::to_string(i) + ".";
    d.field(p + "count", s.count).config().range(1, 0x10000);
    d.field(p + "latched_count", s.latched_count).any();
    d.field(p + "count_latched", s.count_latched).range(0, 3);
    d.field(p + "status_latched", s.status_latched).range(0, 1);
    d.field(p + "status", s.status).any();
    d.field(p + "read_state", s.read_state).range(0, uint8_t(kRwWord1));
    d.field(p + "write_state", s.write_state).range(0, uint8_t(kRwWord1));
    d.field(p + "write_latch", s.write_latch).any();
    d.field(p + "rw_mode", s.rw_mode).config().range(0, 3);
    d.field(p + "mode", s.mode).config().range(0, 7);
    d.field(p + "bcd", s.bcd).config().range(0, 1);
    d.field(p + "gate", s.gate).config().range(0, 1);
    d.field(p + "count_load_time", s.count_load_time).range(0, kMaxStateTime);
    d.field(p + "next_transition_time", s.next_transition_time).valid_if("at most 2^62, or never", [&s] {
      return s.next_transition_time <= kMaxStateTime || s.next_transition_time == kNever;
    });
  }
  d.field("speaker_data_on", speaker_data_on_).config().range(0, 1);
  d.field("refresh_clock", refresh_clock_).valid_if("0 or 0x10", [this] { return !(refresh_clock_ & ~0x10); });
  d.field("irq_timer", irq_timer_);
}

void Pit8254::audit_quiesce(std::vector<std::string>& findings) const {
  int m = ch_[0].mode;
  if (m == 2 || m == 3)
    findings.push_back("pit: channel 0 armed in periodic mode " + std::to_string(m) + " (count " +
                       std::to_string(ch_[0].count) + ")");
}

uint64_t Pit8254::elapsed_ticks(const Channel& s, uint64_t t) const {
  // Time never runs backwards on the guest path; clamp anyway so a bad restore cannot wrap.
  return t >= s.count_load_time ? ns_to_ticks(t - s.count_load_time) : 0;
}

int Pit8254::get_count(const Channel& s) const {
  uint64_t d = elapsed_ticks(s, clock_.now());
  switch (s.mode) {
    case 0:
    case 1:
    case 4:
    case 5:
      return int((s.count - d) & 0xFFFF);
    case 3:
      // Steps down by two; odd counts are approximate, exactly as in QEMU.
      return int(s.count - (2 * d) % s.count);
    default:  // 2, and the quirky 6 and 7
      return int(s.count - d % s.count);
  }
}

bool Pit8254::get_out(const Channel& s, uint64_t t) const {
  uint64_t d = elapsed_ticks(s, t);
  switch (s.mode) {
    default:  // 0, and QEMU's quirky 6 and 7
      return d >= s.count;
    case 1:
      return d < s.count;
    case 2:
      return (d % s.count) == 0 && d != 0;
    case 3:
      return (d % s.count) < ((s.count + 1) >> 1);
    case 4:
    case 5:
      return d == s.count;
  }
}

// QEMU pit_get_next_transition_time, including its rounding: the tick target is converted
// back to ns rounding down, and a target that is not in the future becomes now + 1 ns.
uint64_t Pit8254::next_transition(const Channel& s, uint64_t t) const {
  uint64_t d = elapsed_ticks(s, t);
  uint64_t next;
  switch (s.mode) {
    default:  // 0, 1, 6, 7
      if (d < s.count)
        next = s.count;
      else
        return kNever;
      break;
    case 2: {
      uint64_t base = (d / s.count) * s.count;
      if ((d - base) == 0 && d != 0)
        next = base + s.count;
      else
        next = base + s.count + 1;
      break;
    }
    case 3: {
      uint64_t base = (d / s.count) * s.count;
      uint64_t period2 = (s.count + 1) >> 1;
      if ((d - base) < period2)
        next = base + period2;
      else
        next = base + s.count;
      break;
    }
    case 4:
    case 5:
      if (d < s.count)
        next = s.count;
      else if (d == s.count)
        next = s.count + 1;
      else
        return kNever;
      break;
  }
  uint64_t next_ns = s.count_load_time + ticks_to_ns(next);
  if (next_ns <= t) next_ns = t + 1;
  return next_ns;
}

void Pit8254::irq_timer_update(int ch, uint64_t current_time) {
  if (ch != 0) return;  // only channel 0 is wired to an interrupt
  Channel& s = ch_[0];
  uint64_t expire = next_transition(s, current_time);
  irq0_.set(get_out(s, current_time));
  s.next_transition_time = expire;
  if (expire != kNever)
    irq_timer_.arm(expire);
  else
    irq_timer_.cancel();
}

// The timer evaluates OUT at the instant it was due, not at "now", like QEMU's callback.
// On the guest path it is due now, or a transition or two ago (the queue then fires it again
// at once). Only a clock restored far ahead of the channel (a crafted or mismatched
// snapshot) leaves it many periods behind; catching up one period per firing took a minute
// for 10^16 ns and never ended for more, so it jumps to a transition two periods before now
// and goes on from there: the edges it skips would all have landed in the same instant, and
// the PIC latches one request for them either way.
void Pit8254::on_irq_timer() {
  Channel& s = ch_[0];
  uint64_t due = s.next_transition_time;
  const uint64_t now = clock_.now();
  const uint64_t period_ns = ticks_to_ns(s.count) + 1;
  if (now > due && (now - due) / 4 > period_ns) {
    uint64_t d = elapsed_ticks(s, now);
    uint64_t base = (d / s.count) * s.count;
    if (base >= 2 * uint64_t(s.count)) {
      uint64_t t = s.count_load_time + ticks_to_ns(base - 2 * uint64_t(s.count));
      if (t > due) due = t;
    }
  }
  irq_timer_update(0, due);
}

void Pit8254::load_count(int ch, uint32_t val) {
  if (val == 0) val = 0x10000;
  Channel& s = ch_[ch];
  s.count_load_time = clock_.now();
  s.count = val;
  irq_timer_update(ch, s.count_load_time);
}

void Pit8254::latch_count(Channel& s) {
  if (!s.count_latched) {  // a second latch before the first is read is ignored
    s.latched_count = uint16_t(get_count(s));
    s.count_latched = s.rw_mode;
  }
}

void Pit8254::set_gate(int ch, uint8_t val) {
  Channel& s = ch_[ch];
  switch (s.mode) {
    default:
    case 0:
    case 4:
      break;  // QEMU neither pauses nor restarts these
    case 1:
    case 2:
    case 3:
    case 5:
      if (s.gate < val) {  // rising gate restarts counting
        s.count_load_time = clock_.now();
        irq_timer_update(ch, s.count_load_time);
      }
      break;
  }
  s.gate = val;
}

uint8_t Pit8254::read_byte(uint16_t port) {
  if (port == kSpeakerPort) {
    refresh_clock_ ^= 0x10;
    uint8_t out2 = get_out(ch_[2], clock_.now()) ? 0x20 : 0;
    return uint8_t(ch_[2].gate | (speaker_data_on_ << 1) | refresh_clock_ | out2);
  }
  if (port < kBase || port >= kBase + kCount) return 0xFF;
  int addr = port - kBase;
  if (addr == 3) return 0;  // the control register is write-only
  Channel& s = ch_[addr];
  uint8_t ret;
  if (s.status_latched) {
    s.status_latched = 0;
    ret = s.status;
  } else if (s.count_latched) {
    switch (s.count_latched) {
      default:
      case kRwLsb:
        ret = s.latched_count & 0xFF;
        s.count_latched = 0;
        break;
      case kRwMsb:
        ret = s.latched_count >> 8;
        s.count_latched = 0;
        break;
      case kRwWord0:
        ret = s.latched_count & 0xFF;
        s.count_latched = kRwMsb;
        break;
    }
  } else {
    int count;
    switch (s.read_state) {
      default:
      case kRwLsb:
        count = get_count(s);
        ret = count & 0xFF;
        break;
      case kRwMsb:
        count = get_count(s);
        ret = (count >> 8) & 0xFF;
        break;
      case kRwWord0:
        count = get_count(s);
        ret = count & 0xFF;
        s.read_state = kRwWord1;
        break;
      case kRwWord1:
        count = get_count(s);
        ret = (count >> 8) & 0xFF;
        s.read_state = kRwWord0;
        break;
    }
  }
  return ret;
}

void Pit8254::write_byte(uint16_t port, uint8_t val) {
  if (port == kSpeakerPort) {
    speaker_data_on_ = (val >> 1) & 1;
    set_gate(2, val & 1);
    return;
  }
  if (port < kBase || port >= kBase + kCount) return;
  int addr = port - kBase;
  if (addr == 3) {
    int channel = val >> 6;
    if (channel == 3) {  // read-back command
      for (channel = 0; channel < 3; ++channel) {
        Channel& s = ch_[channel];
        if (!(val & (2 << channel))) continue;
        if (!(val & 0x20)) latch_count(s);
        if (!(val & 0x10) && !s.status_latched) {
          // Null count is always 0 in QEMU.
          s.status = uint8_t((get_out(s, clock_.now()) << 7) | (s.rw_mode << 4) | (s.mode << 1) | s.bcd);
          s.status_latched = 1;
        }
      }
      return;
    }
    Channel& s = ch_[channel];
    int access = (val >> 4) & 3;
    if (access == 0) {
      latch_count(s);
    } else {
      // A control word only records the programming; it neither stops the counter nor
      // touches OUT or the IRQ line. Counting restarts when the count is written.
      s.rw_mode = uint8_t(access);
      s.read_state = uint8_t(access);
      s.write_state = uint8_t(access);
      s.mode = (val >> 1) & 7;
      s.bcd = val & 1;
    }
    return;
  }
  Channel& s = ch_[addr];
  switch (s.write_state) {
    default:
    case kRwLsb:
      load_count(addr, val);
      break;
    case kRwMsb:
      load_count(addr, uint32_t(val) << 8);
      break;
    case kRwWord0:
      s.write_latch = val;
      s.write_state = kRwWord1;
      break;
    case kRwWord1:
      load_count(addr, s.write_latch | (uint32_t(val) << 8));
      s.write_state = kRwWord0;
      break;
  }
}

uint32_t Pit8254::io_read(uint16_t port, unsigned size) {
  return read_bytewise(port, size, [this](uint16_t p) { return read_byte(p); });
}

void Pit8254::io_write(uint16_t port, unsigned size, uint32_t value) {
  write_bytewise(port, size, value, [this](uint16_t p, uint8_t v) { write_byte(p, v); });
}

}  // namespace kjump
