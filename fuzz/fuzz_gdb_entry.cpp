// The GDB packet parser's fuzz entry (fuzz/fuzz_gdb.cpp, ctest fuzz_gdb_seed_corpus): the
// input as bytes from a peer, through the wire decoder and every packet through the protocol
// against an in-memory target. Must never crash, hang or allocate from a peer's length, and
// every reply must be framed back into a packet the decoder accepts unchanged.
#include <cstdlib>
#include <cstring>

#include "debug/gdb_protocol.h"
#include "debug/gdb_wire.h"
#include "fuzz/fuzz_entry.h"

namespace kjump::fuzz {
namespace {

#define KJ_GDB_ASSERT(cond) \
  do {                      \
    if (!(cond)) std::abort(); \
  } while (0)

class FakeTarget : public debug::GdbTarget {
 public:
  std::string read_registers() override {
    size_t n = 0;
    for (unsigned i = 0; i < debug::kGdbRegisterCount; ++i) n += debug::gdb_register_size(i);
    return std::string(n, '\x11');
  }
  bool write_register(unsigned n, std::string_view b) override { return n < debug::kGdbRegisterCount && !b.empty(); }
  bool read_memory(uint64_t addr, size_t len, bool, std::string& out) override {
    KJ_GDB_ASSERT(len <= debug::kMaxPacket);  // the protocol bounds what a peer asks for
    if (addr >= sizeof mem_ || len > sizeof mem_ - addr) return false;
    out.assign(mem_ + addr, len);
    return true;
  }
  bool write_memory(uint64_t addr, std::string_view b, bool) override {
    if (addr >= sizeof mem_ || b.size() > sizeof mem_ - addr) return false;
    std::memcpy(mem_ + addr, b.data(), b.size());
    return true;
  }
  bool breakpoint(bool, uint64_t addr, bool) override { return addr <= 0xFFFFFFFFull; }
  bool watchpoint(bool, unsigned type, uint64_t addr, unsigned len, bool) override {
    return type >= 2 && type <= 4 && len > 0 && addr + len <= 0x100000000ull;
  }
  debug::GdbStop resume(Resume) override { return {}; }
  std::string monitor(const std::string& line) override { return line.substr(0, 64); }

 private:
  char mem_[4096] = {};
};

}  // namespace

int gdb_input(const uint8_t* data, size_t size) {
  debug::PacketDecoder decoder;
  std::vector<debug::WireEvent> events;
  decoder.feed(std::string_view(reinterpret_cast<const char*>(data), size), events);
  FakeTarget target;
  debug::GdbProtocol proto(target);
  for (const debug::WireEvent& e : events) {
    if (e.kind != debug::WireEvent::Kind::Packet) continue;
    KJ_GDB_ASSERT(e.payload.size() <= debug::kMaxPacket);
    std::vector<std::string> replies;
    proto.handle(e.payload, replies);
    for (const std::string& r : replies) {
      // Round trip: what the stub sends is what a peer's decoder reads.
      debug::PacketDecoder back;
      std::vector<debug::WireEvent> got;
      back.feed(debug::frame_packet(r), got);
      KJ_GDB_ASSERT(got.size() == 1 && got[0].kind == debug::WireEvent::Kind::Packet && got[0].payload == r);
    }
  }
  return 0;
}

}  // namespace kjump::fuzz
