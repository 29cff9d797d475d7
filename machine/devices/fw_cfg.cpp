#include "machine/devices/fw_cfg.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "machine/bus.h"

namespace kjump {

namespace {
constexpr char kDmaSignature[8] = {'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G'};
constexpr size_t kDirEntrySize = 64;
constexpr size_t kDirNameSize = 56;

std::vector<uint8_t> le_bytes(uint64_t v, size_t n) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = uint8_t(v >> (8 * i));
  return out;
}
void put_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}
uint32_t get_be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
uint32_t bswap32(uint32_t v) { return __builtin_bswap32(v); }
}  // namespace

FwCfg::FwCfg(PhysMemory& memory, uint64_t ram_bytes, uint16_t nb_cpus) : Device("fw_cfg"), memory_(memory) {
  // What QEMU's fw_cfg core and the x86 machine put in before any file is added.
  items_[kKeySignature] = {'Q', 'E', 'M', 'U'};
  items_[kKeyId] = le_bytes(0x3, 4);  // traditional interface + DMA
  items_[kKeyUuid] = std::vector<uint8_t>(16, 0);
  items_[kKeyNographic] = le_bytes(0, 2);
  items_[kKeyBootMenu] = le_bytes(0, 2);
  items_[kKeyNbCpus] = le_bytes(nb_cpus, 2);
  items_[kKeyMaxCpus] = le_bytes(nb_cpus, 2);
  items_[kKeyRamSize] = le_bytes(ram_bytes, 8);
  rebuild_directory();
  reset();
}

void FwCfg::map(Bus& bus) {
  bus.map_io(kSelectorPort, 2, this, "fw_cfg");
  bus.map_io(kDmaBase, kDmaCount, this, "fw_cfg-dma");
}

void FwCfg::add_file(const std::string& name, std::vector<uint8_t> bytes) {
  if (name.empty() || name.size() > kMaxNameLength || name.find('\0') != std::string::npos)
    throw std::invalid_argument("fw_cfg: file name '" + name + "' must be 1.." + std::to_string(kMaxNameLength) +
                                " characters");
  if (file_selector(name)) throw std::invalid_argument("fw_cfg: duplicate file name '" + name + "'");
  if (files_.size() >= kFileSlots) throw std::invalid_argument("fw_cfg: no free slot for file '" + name + "'");
  // strcmp order == byte-wise order of std::string::compare on unsigned bytes.
  auto pos = std::upper_bound(files_.begin(), files_.end(), name, [](const std::string& n, const File& f) {
    return std::strcmp(n.c_str(), f.name.c_str()) < 0;
  });
  files_.insert(pos, File{name, std::move(bytes)});
  rebuild_directory();
}

void FwCfg::add_string(const std::string& name, std::string_view text) {
  add_file(name, std::vector<uint8_t>(text.begin(), text.end()));
}

void FwCfg::set_item(uint16_t key, std::vector<uint8_t> bytes) {
  uint16_t index = key & kEntryMask;
  if (index >= kMaxEntry || (!(key & kArchLocal) && (index == kKeyFileDir || index >= kKeyFileFirst)))
    throw std::invalid_argument("fw_cfg: key " + std::to_string(key) + " is not a settable numbered item");
  items_[uint16_t(key & (kArchLocal | kEntryMask))] = std::move(bytes);
  config_hash_ = compute_config_hash();
}

uint16_t FwCfg::file_selector(const std::string& name) const {
  for (size_t i = 0; i < files_.size(); ++i)
    if (files_[i].name == name) return uint16_t(kKeyFileFirst + i);
  return 0;
}

// QEMU allocates the directory for the whole slot table at once, so the item is always
// 4 + 64 * 32 bytes, with unused entries zero.
void FwCfg::rebuild_directory() {
  std::vector<uint8_t> dir(4 + kDirEntrySize * kFileSlots, 0);
  put_be32(dir.data(), uint32_t(files_.size()));
  for (size_t i = 0; i < files_.size(); ++i) {
    uint8_t* e = dir.data() + 4 + i * kDirEntrySize;
    put_be32(e, uint32_t(files_[i].data.size()));
    uint16_t sel = uint16_t(kKeyFileFirst + i);
    e[4] = uint8_t(sel >> 8);
    e[5] = uint8_t(sel);
    std::memcpy(e + 8, files_[i].name.data(), std::min(files_[i].name.size(), kDirNameSize - 1));
  }
  items_[kKeyFileDir] = std::move(dir);
  config_hash_ = compute_config_hash();
}

uint64_t FwCfg::compute_config_hash() const {
  uint64_t h = 0;
  for (const auto& [key, data] : items_) {
    h = hash_bytes(&key, sizeof key, h);
    h = hash_bytes(data.data(), data.size(), h);
  }
  for (const File& f : files_) {
    h = hash_bytes(f.name.data(), f.name.size(), h);
    h = hash_bytes(f.data.data(), f.data.size(), h);
  }
  return h;
}

void FwCfg::reset() {
  select(kKeySignature);
  dma_addr_ = 0;
}

// Configuration: none. The selector, offset and DMA address are where one read is, redone
// before every read; config_hash is the host's item list, not something the guest programs.
// Valid values: any; every read checks the selector against the items and the offset
// against the item's size, and the DMA address is the guest's to point anywhere.
void FwCfg::declare_state(StateDecl& d) {
  d.field("cur_entry", cur_entry_).any();
  d.field("cur_offset", cur_offset_).any();
  d.field("dma_addr", dma_addr_).any();
  d.field("config_hash", config_hash_).any();
}

void FwCfg::post_load() {
  if (config_hash_ != compute_config_hash()) {
    config_hash_ = compute_config_hash();
    throw StateError("fw_cfg: snapshot was taken with different fw_cfg items or files");
  }
}

const std::vector<uint8_t>* FwCfg::entry(uint16_t key) const {
  if (key == kInvalid) return nullptr;
  uint16_t index = key & kEntryMask;
  if (!(key & kArchLocal) && index >= kKeyFileFirst) {
    size_t i = index - kKeyFileFirst;
    return i < files_.size() ? &files_[i].data : nullptr;
  }
  auto it = items_.find(uint16_t(key & (kArchLocal | kEntryMask)));
  return it == items_.end() ? nullptr : &it->second;
}

void FwCfg::select(uint16_t key) {
  cur_offset_ = 0;
  cur_entry_ = (key & kEntryMask) >= kMaxEntry ? kInvalid : key;
}

uint8_t FwCfg::read_data_byte() {
  const std::vector<uint8_t>* e = entry(cur_entry_);
  if (!e || cur_offset_ >= e->size()) return 0;  // past the end reads as 0
  return (*e)[cur_offset_++];
}

// Runs the whole transfer inside the guest's OUT, as QEMU does; the control word is
// written back 0 on success, or with the error bit.
void FwCfg::dma_transfer() {
  uint64_t desc_addr = dma_addr_;
  dma_addr_ = 0;  // reset for the next access
  uint8_t desc[16];
  if (!memory_.read_phys(desc_addr, desc, sizeof desc)) {
    uint8_t err[4];
    put_be32(err, kDmaError);
    memory_.write_phys(desc_addr, err, 4);
    return;
  }
  uint32_t control = get_be32(desc);
  uint32_t length = get_be32(desc + 4);
  uint64_t address = uint64_t(get_be32(desc + 8)) << 32 | get_be32(desc + 12);

  if (control & kDmaSelect) select(uint16_t(control >> 16));
  const std::vector<uint8_t>* e = entry(cur_entry_);

  bool read = false, write = false;
  if (control & kDmaRead) {
    read = true;
  } else if (control & kDmaWrite) {
    write = true;
  } else if (!(control & kDmaSkip)) {
    length = 0;
  }
  control = 0;

  while (length > 0 && !(control & kDmaError)) {
    uint32_t len;
    if (!e || cur_offset_ >= e->size()) {
      len = length;
      if (read) {
        std::vector<uint8_t> zeros(len, 0);  // over-read fills the buffer with zeros
        if (!memory_.write_phys(address, zeros.data(), len)) control |= kDmaError;
      }
      if (write) control |= kDmaError;
    } else {
      len = std::min<uint32_t>(length, uint32_t(e->size() - cur_offset_));
      if (read && !memory_.write_phys(address, e->data() + cur_offset_, len)) control |= kDmaError;
      if (write) control |= kDmaError;  // every item we provide is read-only
      cur_offset_ += len;
    }
    address += len;
    length -= len;
  }
  uint8_t back[4];
  put_be32(back, control);
  memory_.write_phys(desc_addr, back, 4);
}

uint32_t FwCfg::io_read(uint16_t port, unsigned size) {
  if (port == kSelectorPort || port == kDataPort) {
    // Both bytes of the 0x510 region are the data register for 8-bit reads; wider reads
    // are not valid accesses and return 0.
    return size == 1 ? read_data_byte() : 0;
  }
  if (port >= kDmaBase && port < kDmaBase + kDmaCount) {
    // The DMA register reads as "QEMU CFG" in memory order (it is a big-endian register).
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) {
      unsigned off = port - kDmaBase + i;
      uint8_t b = off < 8 ? uint8_t(kDmaSignature[off]) : 0xFF;
      v |= uint32_t(b) << (8 * i);
    }
    return v;
  }
  return size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFFu;
}

void FwCfg::io_write(uint16_t port, unsigned size, uint32_t value) {
  if (port == kSelectorPort && size == 2) {
    select(uint16_t(value));
    return;
  }
  // 8-bit data writes have been ignored since QEMU 2.4.
  if (size != 4) return;
  if (port == kDmaBase) {
    dma_addr_ = uint64_t(bswap32(value)) << 32;
  } else if (port == kDmaBase + 4) {
    dma_addr_ |= bswap32(value);
    dma_transfer();
  }
}

}  // namespace kjump
