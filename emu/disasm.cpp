#include "emu/disasm.h"

#include <cstdio>
#include <stdexcept>

namespace kjump {

Disassembler::Disassembler() {
  if (cs_open(CS_ARCH_X86, CS_MODE_32, &handle_) != CS_ERR_OK) throw std::runtime_error("capstone: cs_open failed");
  cs_option(handle_, CS_OPT_DETAIL, CS_OPT_OFF);
}

Disassembler::~Disassembler() { cs_close(&handle_); }

unsigned Disassembler::length(const uint8_t* bytes, size_t n, uint32_t address) const {
  cs_insn* insn = cs_malloc(handle_);
  const uint8_t* code = bytes;
  size_t size = n;
  uint64_t addr = address;
  unsigned len = cs_disasm_iter(handle_, &code, &size, &addr, insn) ? insn->size : 0;
  cs_free(insn, 1);
  return len;
}

std::optional<DecodedInsn> Disassembler::decode(const uint8_t* bytes, size_t n, uint32_t address) const {
  cs_insn* insn = cs_malloc(handle_);
  const uint8_t* code = bytes;
  size_t size = n;
  uint64_t addr = address;
  std::optional<DecodedInsn> out;
  if (cs_disasm_iter(handle_, &code, &size, &addr, insn)) {
    DecodedInsn d;
    d.address = address;
    d.size = insn->size;
    d.mnemonic = insn->mnemonic;
    d.operands = insn->op_str;
    d.bytes.assign(insn->bytes, insn->bytes + insn->size);
    out = std::move(d);
  }
  cs_free(insn, 1);
  return out;
}

std::string Disassembler::format(const DecodedInsn& insn, const Symbolizer& sym) const {
  char head[64];
  std::snprintf(head, sizeof head, "%08x", insn.address);
  std::string s = head;
  if (sym) {
    std::string name = sym(insn.address);
    if (!name.empty()) s += " <" + name + ">";
  }
  s += ": ";
  std::string hex;
  for (uint8_t b : insn.bytes) {
    char h[4];
    std::snprintf(h, sizeof h, "%02x ", b);
    hex += h;
  }
  while (hex.size() < 24) hex += ' ';
  s += hex + insn.mnemonic;
  if (!insn.operands.empty()) s += " " + insn.operands;
  return s;
}

}  // namespace kjump
