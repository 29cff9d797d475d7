// GDB remote protocol, the packets: what each one asks and what to answer, over a target
// interface (debug/gdb_target.h's adapter puts a Session behind it). Pure: no sockets, no
// machine, so the fuzz target (fuzz/fuzz_gdb.cpp) can drive it with any bytes. Every length
// and address from the peer is bounded before use; anything malformed is answered `E01`,
// anything unknown with the empty reply gdb expects (docs/debugger-reference.md §a).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kjump::debug {

struct GdbStop {
  enum class Kind { Trap, Breakpoint, Interrupted, Exited, HistoryStart, Fault, Watch } kind = Kind::Trap;
  int exit_code = 0;
  unsigned watch_kind = 0;  // Watch: 0 write, 1 read, 2 access (the stop reply's watch/rwatch/awatch)
  uint64_t data_addr = 0;   // Watch: the address accessed
};

// The register file as the target description (gdb_protocol.cpp) lays it out: i386 core (eax
// .. gs, st0-7, x87 control: 0-31), SSE (xmm0-7, mxcsr: 32-40), then the system feature's cr0,
// cr2, cr3, cr4, gdtr base/limit, idtr base/limit, cs..gs bases (41-54).
inline constexpr unsigned kGdbRegisterCount = 55;
unsigned gdb_register_size(unsigned n);  // bytes; 0 if n is out of range

class GdbTarget {
 public:
  virtual ~GdbTarget() = default;
  virtual std::string read_registers() = 0;  // every register, little-endian, in order
  virtual bool write_register(unsigned n, std::string_view bytes) = 0;
  virtual bool read_memory(uint64_t addr, size_t len, bool physical, std::string& out) = 0;
  virtual bool write_memory(uint64_t addr, std::string_view bytes, bool physical) = 0;
  virtual bool breakpoint(bool insert, uint64_t addr, bool physical) = 0;
  // Z2/Z3/Z4 (type 2 write, 3 read, 4 access) over `len` bytes.
  virtual bool watchpoint(bool insert, unsigned type, uint64_t addr, unsigned len, bool physical) = 0;
  enum class Resume { Continue, Step, ReverseStep, ReverseContinue };
  virtual GdbStop resume(Resume how) = 0;
  // A `monitor` line's output (console commands).
  virtual std::string monitor(const std::string& line) = 0;
};

class GdbProtocol {
 public:
  explicit GdbProtocol(GdbTarget& t) : t_(t) {}
  // Answers one packet: the payloads to send, in order (`O` output packets before the reply).
  // Returns false when the peer asked to end (k, D).
  bool handle(std::string_view packet, std::vector<std::string>& replies);
  bool no_ack() const { return no_ack_; }
  std::string stop_reply(const GdbStop& s) const;

 private:
  std::string query(std::string_view q, std::vector<std::string>& replies);
  GdbTarget& t_;
  bool no_ack_ = false;
  bool swbreak_ = false;  // gdb announced swbreak+: stop replies may say why
  bool physical_ = false; // `monitor phys on`: m/M/Z take physical addresses
};

}  // namespace kjump::debug
