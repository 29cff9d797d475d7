#include "machine/devices/uart.h"

#include <algorithm>

#include "machine/bus.h"
#include "machine/devices/byte_ports.h"

namespace kjump {

namespace {
// Register bits (names as in QEMU's serial.c).
constexpr uint8_t kLcrDlab = 0x80;
constexpr uint8_t kIerRdi = 0x01, kIerThri = 0x02, kIerRlsi = 0x04, kIerMsi = 0x08;
constexpr uint8_t kIirNoInt = 0x01, kIirId = 0x06, kIirMsi = 0x00, kIirThri = 0x02, kIirRdi = 0x04,
                  kIirRlsi = 0x06, kIirCti = 0x0C, kIirFe = 0xC0;
constexpr uint8_t kMcrLoop = 0x10, kMcrOut2 = 0x08;
constexpr uint8_t kLsrTemt = 0x40, kLsrThre = 0x20, kLsrBi = 0x10, kLsrOe = 0x02, kLsrDr = 0x01,
                  kLsrIntAny = 0x1E;
constexpr uint8_t kMsrDcd = 0x80, kMsrDsr = 0x20, kMsrCts = 0x10, kMsrAnyDelta = 0x0F;
constexpr uint8_t kFcrFe = 0x01, kFcrRfr = 0x02, kFcrXfr = 0x04;
constexpr uint32_t kBaudBase = 115200;
constexpr long long kNsPerSecond = 1000000000LL;
}  // namespace

Uart16550::Uart16550(const Clock& clock, EventQueue& queue, IrqLine irq, Output output)
    : Device("uart"),
      clock_(clock),
      irq_(irq),
      output_(std::move(output)),
      fifo_timeout_timer_(queue, "uart.fifo_timeout", [this] { on_fifo_timeout(); }) {
  reset();
}

void Uart16550::map(Bus& bus) { bus.map_io(kBase, kCount, this, "uart"); }

void Uart16550::reset() {
  // QEMU serial_reset, plus power-on zero for FCR (QEMU keeps FCR across a warm reset).
  rbr_ = thr_ = tsr_ = 0;
  ier_ = 0;
  iir_ = kIirNoInt;
  lcr_ = 0;
  lsr_ = kLsrTemt | kLsrThre;
  msr_ = kMsrDcd | kMsrDsr | kMsrCts;
  divider_ = 0x0C;  // 9600 baud
  mcr_ = kMcrOut2;
  scr_ = 0;
  fcr_ = 0;
  recv_fifo_itl_ = 1;
  // Integer 8N1 at 9600, as QEMU's reset writes it (not the float formula below).
  char_transmit_time_ = (kNsPerSecond / 9600) * 10;
  timeout_ipending_ = 0;
  fifo_timeout_timer_.cancel();
  recv_fifo_.clear();
  thr_ipending_ = 0;
  last_break_enable_ = 0;
  irq_.lower();
  // Pending host input is not the UART's to drop: it stays queued and flows in now.
  pull_input();
}

// Configuration: the divisor latch (DLL/DLM), LCR, IER, MCR, FCR (its FIFO enable, DMA mode
// and trigger bits; the reset bits are not kept) and the scratch register, all written by the
// driver; not the data and status registers, pending interrupts, FIFOs and host input, nor
// recv_fifo_itl / char_transmit_time, which FCR and divisor/LCR derive.
// Valid values: at most 16 bytes in the receive FIFO, a trigger level FCR can set (the
// receiver takes up to it at once), the host-input position inside the input, and a
// character time a divisor can give (at most 1.1e12 ns, so timer arithmetic cannot wrap).
void Uart16550::declare_state(StateDecl& d) {
  constexpr uint64_t kMaxCharTransmitNs = uint64_t(1) << 40;
  d.field("divider", divider_).config().any();
  d.field("rbr", rbr_).any();
  d.field("thr", thr_).any();
  d.field("tsr", tsr_).any();
  d.field("ier", ier_).config().any();
  d.field("iir", iir_).any();
  d.field("lcr", lcr_).config().any();
  d.field("mcr", mcr_).config().any();
  d.field("lsr", lsr_).any();
  d.field("msr", msr_).any();
  d.field("scr", scr_).config().any();
  d.field("fcr", fcr_).config().any();
  d.field("thr_ipending", thr_ipending_).range(0, 1);
  d.field("timeout_ipending", timeout_ipending_).range(0, 1);
  d.field("last_break_enable", last_break_enable_).range(0, 1);
  d.field("recv_fifo_itl", recv_fifo_itl_).valid_if("1, 4, 8 or 14", [this] {
    return recv_fifo_itl_ == 1 || recv_fifo_itl_ == 4 || recv_fifo_itl_ == 8 || recv_fifo_itl_ == 14;
  });
  d.field("char_transmit_time", char_transmit_time_).range(0, kMaxCharTransmitNs);
  d.field("recv_fifo", recv_fifo_).size_range(0, kFifoSize);
  d.field("input", input_).any();
  d.field("input_pos", input_pos_).valid_if("at most the input's length", [this] { return input_pos_ <= input_.size(); });
  d.field("fifo_timeout_timer", fifo_timeout_timer_);
}

void Uart16550::post_load() {
  if (recv_fifo_.size() > kFifoSize || input_pos_ > input_.size())
    throw StateError("uart: restored FIFO or input position out of range");
}

void Uart16550::audit_quiesce(std::vector<std::string>& findings) const {
  char buf[80];
  if (ier_) {
    snprintf(buf, sizeof buf, "uart: interrupts enabled (IER=0x%02x)", ier_);
    findings.push_back(buf);
  }
  // Host input still queued in the backend is not the device's doing (scripted input is
  // typed ahead); it reaches whichever kernel runs next, as on QEMU, so it is no finding.
  if (irq_level()) {
    snprintf(buf, sizeof buf, "uart: IRQ line high (IIR=0x%02x)", iir_);
    findings.push_back(buf);
  }
}

// Recompute the highest-priority cause into IIR and drive the line from it. The line is
// not gated by MCR.OUT2: QEMU does not model that gate.
void Uart16550::update_irq() {
  uint8_t tmp = kIirNoInt;
  if ((ier_ & kIerRlsi) && (lsr_ & kLsrIntAny)) {
    tmp = kIirRlsi;
  } else if ((ier_ & kIerRdi) && timeout_ipending_) {
    tmp = kIirCti;  // masked by IER.RDI like on real parts
  } else if ((ier_ & kIerRdi) && (lsr_ & kLsrDr) &&
             (!(fcr_ & kFcrFe) || recv_fifo_.size() >= recv_fifo_itl_)) {
    tmp = kIirRdi;
  } else if ((ier_ & kIerThri) && thr_ipending_) {
    tmp = kIirThri;
  } else if ((ier_ & kIerMsi) && (msr_ & kMsrAnyDelta)) {
    tmp = kIirMsi;
  }
  iir_ = uint8_t(tmp | (iir_ & 0xF0));
  irq_.set(tmp != kIirNoInt);
}

// The character time only paces the RX timeout. QEMU computes it in single-precision
// float; doing the same keeps the timeout on the same nanosecond.
void Uart16550::update_parameters() {
  int frame_size = 1;  // start bit
  if (lcr_ & 0x08) frame_size++;
  int stop_bits = (lcr_ & 0x04) ? 2 : 1;
  int data_bits = (lcr_ & 0x03) + 5;
  frame_size += data_bits + stop_bits;
  float speed = (divider_ == 0) ? 3500.0f : float(kBaudBase) / float(divider_);
  char_transmit_time_ = uint64_t((float(kNsPerSecond) / speed) * float(frame_size));
}

void Uart16550::write_fcr(uint8_t val) {
  fcr_ = val;
  if (val & kFcrFe) {
    iir_ |= kIirFe;
    switch (val & 0xC0) {
      case 0x00: recv_fifo_itl_ = 1; break;
      case 0x40: recv_fifo_itl_ = 4; break;
      case 0x80: recv_fifo_itl_ = 8; break;
      case 0xC0: recv_fifo_itl_ = 14; break;
    }
  } else {
    iir_ &= ~kIirFe;
  }
}

// The byte leaves at once, inside the guest's OUT: THRE/TEMT are back before the guest's
// next instruction. (The TX FIFO is therefore always empty between instructions.)
void Uart16550::transmit() {
  tsr_ = thr_;
  lsr_ |= kLsrThre;
  if (!thr_ipending_) {
    thr_ipending_ = 1;
    update_irq();
  }
  if (mcr_ & kMcrLoop) {
    receive(&tsr_, 1);
  } else if (output_) {
    output_(tsr_);
  }
  lsr_ |= kLsrTemt;
}

void Uart16550::recv_fifo_put(uint8_t c) {
  if (recv_fifo_.size() < kFifoSize)
    recv_fifo_.push_back(c);
  else
    lsr_ |= kLsrOe;  // overruns do not overwrite FIFO contents
}

void Uart16550::receive(const uint8_t* buf, size_t n) {
  if (fcr_ & kFcrFe) {
    for (size_t i = 0; i < n; ++i) recv_fifo_put(buf[i]);
    lsr_ |= kLsrDr;
    fifo_timeout_timer_.arm(clock_.now() + char_transmit_time_ * 4);
  } else {
    if (lsr_ & kLsrDr) lsr_ |= kLsrOe;
    rbr_ = buf[0];
    lsr_ |= kLsrDr;
  }
  update_irq();
}

// QEMU serial_can_receive: FIFO off, one byte while DR=0; FIFO on, enough to reach the
// trigger level (zero exactly at it), one at a time above it, nothing when full.
size_t Uart16550::can_receive() const {
  if (fcr_ & kFcrFe) {
    size_t num = recv_fifo_.size();
    if (num >= kFifoSize) return 0;
    return num <= recv_fifo_itl_ ? recv_fifo_itl_ - num : 1;
  }
  return (lsr_ & kLsrDr) ? 0 : 1;
}

// QEMU's main loop offers host bytes whenever can_receive() > 0; we do the same at once
// whenever room may have appeared, which is the deterministic limit of that polling.
void Uart16550::pull_input() {
  for (;;) {
    size_t avail = pending_input();
    size_t n = std::min(can_receive(), avail);
    if (n == 0) break;
    receive(input_.data() + input_pos_, n);
    input_pos_ += n;
  }
  if (input_pos_ == input_.size()) {
    input_.clear();
    input_pos_ = 0;
  } else if (input_pos_ >= 4096) {  // keep the queue from growing without bound
    input_.erase(input_.begin(), input_.begin() + std::ptrdiff_t(input_pos_));
    input_pos_ = 0;
  }
}

void Uart16550::host_input(std::span<const uint8_t> bytes) {
  input_.insert(input_.end(), bytes.begin(), bytes.end());
  pull_input();
}

void Uart16550::on_fifo_timeout() {
  if (!recv_fifo_.empty()) {
    timeout_ipending_ = 1;
    update_irq();
  }
}

uint8_t Uart16550::read_byte(uint16_t port) {
  if (port < kBase || port >= kBase + kCount) return 0xFF;
  switch (port - kBase) {
    default:
    case 0: {
      if (lcr_ & kLcrDlab) return uint8_t(divider_);
      uint8_t ret;
      if (fcr_ & kFcrFe) {
        if (recv_fifo_.empty()) {
          ret = 0;
        } else {
          ret = recv_fifo_.front();
          recv_fifo_.erase(recv_fifo_.begin());
        }
        if (recv_fifo_.empty())
          lsr_ &= ~(kLsrDr | kLsrBi);
        else
          fifo_timeout_timer_.arm(clock_.now() + char_transmit_time_ * 4);
        timeout_ipending_ = 0;
      } else {
        ret = rbr_;
        lsr_ &= ~(kLsrDr | kLsrBi);
      }
      update_irq();
      pull_input();
      return ret;
    }
    case 1:
      return (lcr_ & kLcrDlab) ? uint8_t(divider_ >> 8) : ier_;
    case 2: {
      uint8_t ret = iir_;
      if ((ret & kIirId) == kIirThri) {  // reading IIR acknowledges a THRE interrupt
        thr_ipending_ = 0;
        update_irq();
      }
      return ret;
    }
    case 3:
      return lcr_;
    case 4:
      return mcr_;
    case 5: {
      uint8_t ret = lsr_;
      if (lsr_ & (kLsrBi | kLsrOe)) {
        lsr_ &= ~(kLsrBi | kLsrOe);
        update_irq();
      }
      return ret;
    }
    case 6:
      if (mcr_ & kMcrLoop) {
        // Loopback: the modem outputs come back on the inputs.
        uint8_t ret = uint8_t((mcr_ & 0x0C) << 4);
        ret |= (mcr_ & 0x02) << 3;
        ret |= (mcr_ & 0x01) << 5;
        return ret;
      } else {
        // A non-tty backend has no modem lines to poll: MSR keeps its reset value.
        uint8_t ret = msr_;
        if (msr_ & kMsrAnyDelta) {
          msr_ &= 0xF0;
          update_irq();
        }
        return ret;
      }
    case 7:
      return scr_;
  }
}

void Uart16550::write_byte(uint16_t port, uint8_t val) {
  if (port < kBase || port >= kBase + kCount) return;
  switch (port - kBase) {
    default:
    case 0:
      if (lcr_ & kLcrDlab) {
        divider_ = uint16_t((divider_ & 0xFF00) | val);
        update_parameters();
      } else {
        thr_ = val;
        thr_ipending_ = 0;
        lsr_ &= ~(kLsrThre | kLsrTemt);
        update_irq();
        transmit();
      }
      break;
    case 1:
      if (lcr_ & kLcrDlab) {
        divider_ = uint16_t((divider_ & 0x00FF) | (val << 8));
        update_parameters();
      } else {
        uint8_t changed = (ier_ ^ val) & 0x0F;
        ier_ = val & 0x0F;
        // Turning THRI on while THR is empty raises the interrupt at once (Windows and
        // our probe rely on it); turning it off forgets the pending THRE.
        if (changed & kIerThri) thr_ipending_ = ((ier_ & kIerThri) && (lsr_ & kLsrThre)) ? 1 : 0;
        if (changed) update_irq();
      }
      break;
    case 2:
      // Changing the FIFO enable flushes both FIFOs.
      if ((val ^ fcr_) & kFcrFe) val |= kFcrXfr | kFcrRfr;
      if (val & kFcrRfr) {
        lsr_ &= ~(kLsrDr | kLsrBi);
        fifo_timeout_timer_.cancel();
        timeout_ipending_ = 0;
        recv_fifo_.clear();
      }
      if (val & kFcrXfr) {
        lsr_ |= kLsrThre;
        thr_ipending_ = 1;
      }
      write_fcr(val & 0xC9);
      update_irq();
      pull_input();
      break;
    case 3:
      lcr_ = val;
      update_parameters();
      last_break_enable_ = (val >> 6) & 1;  // break has no host side to reach here
      break;
    case 4:
      mcr_ = val & 0x1F;
      break;
    case 5:
    case 6:
      break;  // LSR and MSR are read-only in QEMU
    case 7:
      scr_ = val;
      break;
  }
}

uint32_t Uart16550::io_read(uint16_t port, unsigned size) {
  return read_bytewise(port, size, [this](uint16_t p) { return read_byte(p); });
}

void Uart16550::io_write(uint16_t port, unsigned size, uint32_t value) {
  write_bytewise(port, size, value, [this](uint16_t p, uint8_t v) { write_byte(p, v); });
}

}  // namespace kjump
