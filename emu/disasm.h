// Capstone-based disassembly and instruction-length decoding of guest code.
#pragma once

#include <capstone/capstone.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kjump {

struct DecodedInsn {
  uint32_t address = 0;
  unsigned size = 0;
  std::string mnemonic, operands;
  std::vector<uint8_t> bytes;
};

class Disassembler {
 public:
  Disassembler();
  ~Disassembler();
  Disassembler(const Disassembler&) = delete;
  Disassembler& operator=(const Disassembler&) = delete;

  // Length of the instruction at the start of `bytes`, or 0 if it does not decode.
  unsigned length(const uint8_t* bytes, size_t n, uint32_t address) const;
  std::optional<DecodedInsn> decode(const uint8_t* bytes, size_t n, uint32_t address) const;

  // Symbolizer for branch targets and addresses: "name+0x12" or "" if unknown.
  using Symbolizer = std::function<std::string(uint32_t)>;
  // One line: "c0100123 <main+0x3>: 89 e5     mov ebp, esp"
  std::string format(const DecodedInsn& insn, const Symbolizer& sym = {}) const;

 private:
  csh handle_ = 0;
};

}  // namespace kjump
