// Where the port-I/O instructions of a translated block are, decoded once per block.
//
// Unicorn's IN/OUT hooks do not say which instruction of the block is doing the access (EIP
// is not synced reliably inside INSN hooks, docs/unicorn-reference.md §b and §g), so the
// engine maps the k-th I/O callback since the block started to the block's k-th I/O
// instruction (docs/unicorn-reference.md §f) and the device sees the exact instruction
// count. Finding that instruction by decoding the whole block with Capstone at every access
// cost about 200 ns per guest instruction on a guest polling a status port
// (docs/unicorn-fast-paths.md §1, "stuck boot"). This cache decodes a block once and keeps
// its I/O sites keyed by the block's physical address and size.
//
// Why the bytes are compared at every use rather than trusting a key: the same physical
// block can hold other code later (guest self-modifying code, a host write, the other
// kernel's pages after a kexec swap), and Unicorn does not report every retranslation (the
// edge hook misses a run's first block and blocks made by uc_ctl_request_cache). Comparing
// the block's current bytes with the bytes that were decoded costs one memcmp of the block
// and cannot go stale; the answer is exactly what decoding the current bytes would give.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "emu/disasm.h"

namespace kjump {

// One port-I/O instruction (in, out, ins*, outs*, with any prefixes) of a block.
struct IoSite {
  uint32_t offset = 0;  // bytes from the block's start
  uint32_t index = 0;   // instructions before it in the block
  uint32_t len = 0;
};

// True if the instruction at `b` (n bytes available) is one Unicorn reports to the IN/OUT
// hooks: opcodes 6C-6F, E4-E7, EC-EF after legacy prefixes. Looking at the opcode (not at
// Capstone's mnemonic) also counts `repne ins`, which QEMU runs as `rep ins`, and never
// mistakes `insertps` for `ins`.
bool is_port_io(const uint8_t* b, size_t n);

class IoSiteCache {
 public:
  explicit IoSiteCache(const Disassembler& disasm) : disasm_(disasm) {}

  // The I/O sites of the block whose `n` code bytes are `code` (copied from guest RAM),
  // starting at physical address `pa` and virtual address `va`. The reference stays valid
  // until the next call. Instructions are decoded only inside the block: a translated block
  // ends on an instruction boundary, so the bytes after it never matter.
  const std::vector<IoSite>& sites(uint64_t pa, uint32_t va, const uint8_t* code, size_t n);

  // Hits and decodes, for tests and measurements (never read on the guest path).
  struct Stats {
    uint64_t hits = 0, decodes = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  struct Entry {
    bool valid = false;
    uint64_t pa = 0;
    std::vector<uint8_t> code;  // the bytes the sites were decoded from
    std::vector<IoSite> sites;
  };
  void decode(Entry& e, uint32_t va) const;

  const Disassembler& disasm_;
  // Direct-mapped: a polling guest touches a handful of I/O blocks, a booting kernel a few
  // hundred; a collision only costs a decode.
  static constexpr size_t kSlots = 512;
  std::vector<Entry> slots_ = std::vector<Entry>(kSlots);
  Stats stats_;
};

}  // namespace kjump
