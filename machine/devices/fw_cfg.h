// QEMU's fw_cfg interface on x86 (docs/pc-devices-reference.md §5): selector 0x510 (16-bit
// writes), data 0x511 (8-bit reads) and the big-endian DMA register at 0x514-0x51B.
//
// Item contents are configuration, set up by the machine before the guest runs; only the
// guest-visible cursor (selector, offset, DMA address) is guest state. A hash of all item
// contents is declared with that state, so restoring a snapshot into a differently
// configured machine is refused instead of silently diverging.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "emu/phys_memory.h"
#include "machine/device.h"

namespace kjump {

class Bus;

class FwCfg : public Device, public PortIo {
 public:
  static constexpr uint16_t kSelectorPort = 0x510;  // 0x510-0x511: selector + data
  static constexpr uint16_t kDataPort = 0x511;
  static constexpr uint16_t kDmaBase = 0x514;  // 0x514-0x51B
  static constexpr uint32_t kDmaCount = 8;

  // Well-known keys.
  static constexpr uint16_t kKeySignature = 0x00, kKeyId = 0x01, kKeyUuid = 0x02, kKeyRamSize = 0x03,
                            kKeyNographic = 0x04, kKeyNbCpus = 0x05, kKeyBootMenu = 0x0E, kKeyMaxCpus = 0x0F,
                            kKeyFileDir = 0x19, kKeyFileFirst = 0x20;
  static constexpr uint16_t kFileSlots = 0x20;       // QEMU's default table size
  static constexpr uint16_t kArchLocal = 0x8000;     // architecture-specific key space
  static constexpr uint16_t kEntryMask = 0x3FFF;
  static constexpr uint16_t kMaxEntry = kKeyFileFirst + kFileSlots;
  static constexpr size_t kMaxNameLength = 55;

  // DMA control bits.
  static constexpr uint32_t kDmaError = 0x01, kDmaRead = 0x02, kDmaSkip = 0x04, kDmaSelect = 0x08,
                            kDmaWrite = 0x10;

  FwCfg(PhysMemory& memory, uint64_t ram_bytes, uint16_t nb_cpus = 1);

  void map(Bus& bus);

  // Adds a named file (selector assigned from 0x20 in name order, like QEMU's sorted
  // directory; later insertions shift the selectors of files sorting after them).
  // Throws std::invalid_argument for a name outside 1..55 characters, a duplicate name,
  // or a full table.
  void add_file(const std::string& name, std::vector<uint8_t> bytes);
  // A string item as `-fw_cfg name=...,string=...` makes it: the bytes without a NUL.
  void add_string(const std::string& name, std::string_view text);
  // A numbered (non-file) item, generic (key < 0x20) or arch-local (key | 0x8000).
  void set_item(uint16_t key, std::vector<uint8_t> bytes);

  // Selector of a file, or 0 if absent (for tests and the boot code).
  uint16_t file_selector(const std::string& name) const;

  void reset() override;
  void declare_state(StateDecl& d) override;
  void post_load() override;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

 private:
  static constexpr uint16_t kInvalid = 0xFFFF;

  struct File {
    std::string name;
    std::vector<uint8_t> data;
  };

  const std::vector<uint8_t>* entry(uint16_t key) const;
  void select(uint16_t key);
  uint8_t read_data_byte();
  void dma_transfer();
  void rebuild_directory();
  uint64_t compute_config_hash() const;

  PhysMemory& memory_;
  std::map<uint16_t, std::vector<uint8_t>> items_;  // numbered items (incl. 0x19 directory)
  std::vector<File> files_;                         // sorted by name; selector = 0x20 + index

  // Guest-visible state.
  uint16_t cur_entry_ = 0;
  uint32_t cur_offset_ = 0;
  uint64_t dma_addr_ = 0;
  uint64_t config_hash_ = 0;  // declared so a restore into other contents is detected
};

}  // namespace kjump
