// The snapshot file format, version 2 (all integers little-endian):
//
//   "KJSNAP\0\0"  u32 version  u32 section count (6)
//   6 × { char tag[4]  u32 zero  u64 payload length  u64 XXH3-64 of the payload  payload }
//
// Every byte is checked: magic, version and count exactly; each tag against its place; the
// reserved u32 must be zero; each length against the bytes present; each payload against its
// checksum and then decoded completely (no byte after a section's last field or the last
// section).
//
//   CONF  configuration fingerprint, "key=value\n" lines (machine_fingerprint.h)
//   TIME  u64 virtual time, u64 retired instructions
//   STAT  save_state(machine.state()): the versioned state blob, each component with its
//         own version (emu/state.h)
//   RAM   u64 RAM size, then runs { u8 kind (0 zero pages, 1 stored pages)  u32 pages  [bytes] }
//   SERL  serial output so far
//   INPT  u32 count × { u64 time  u16 kind length, kind  u32 byte count, bytes }
//
// Sections come in this order. Most of a guest's RAM is never touched, so zero pages cost
// five bytes per run and a 128 MiB machine gives a file of the size its guest actually uses.
// Version 1 (older kjumps) had the same layout, but its STAT held the unversioned field list;
// it is refused with a message asking for the snapshot to be taken again.
#include "replay/snapshot.h"

#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <span>

#include "base/atomic_file.h"
#include "base/bytes.h"
#include "base/host_file.h"
#include "base/text_escape.h"
#include "emu/state.h"
#include "replay/machine_fingerprint.h"

namespace kjump {
namespace {

constexpr char kMagic[8] = {'K', 'J', 'S', 'N', 'A', 'P', 0, 0};

struct SectionKind {
  char tag[5];
  const char* name;  // for messages
};
constexpr SectionKind kSections[] = {
    {"CONF", "configuration"}, {"TIME", "times"},         {"STAT", "state"},
    {"RAM ", "RAM"},           {"SERL", "serial output"}, {"INPT", "input log"},
};
constexpr size_t kSectionCount = std::size(kSections);
enum SectionIndex { kConf, kTime, kStat, kRam, kSerl, kInpt };

std::vector<uint8_t> encode_ram(const RamImage& ram) {
  ByteWriter w;
  w.u64(ram.size());
  size_t i = 0, n = ram.page_count();
  while (i < n) {
    bool zero = ram.page(i) == nullptr || is_zero_page(ram.page(i)->data());
    size_t j = i;
    while (j < n && j - i < 0xffffffffu) {
      bool z = ram.page(j) == nullptr || is_zero_page(ram.page(j)->data());
      if (z != zero) break;
      ++j;
    }
    w.u8(zero ? 0 : 1);
    w.u32(uint32_t(j - i));
    if (!zero)
      for (size_t k = i; k < j; ++k) w.bytes(ram.page(k)->data(), kRamPageSize);
    i = j;
  }
  return w.take();
}

RamImage decode_ram(ByteReader& r, const std::string& malformed) {
  uint64_t size = r.u64();
  // Checked before reserving: i386 addresses at most 4 GiB, whatever the file claims.
  if (size % kRamPageSize || size > (uint64_t(4) << 30)) throw SnapshotError(malformed + " (RAM size " + std::to_string(size) + ")");
  size_t n = size / kRamPageSize;
  std::vector<std::shared_ptr<const RamPage>> pages;
  pages.reserve(n);
  while (pages.size() < n) {
    uint8_t kind = r.u8();
    uint32_t count = r.u32();
    if (kind > 1 || count == 0 || count > n - pages.size()) throw SnapshotError(malformed);
    for (uint32_t k = 0; k < count; ++k) {
      if (kind == 0) {
        pages.push_back(nullptr);
      } else {
        auto page = std::make_shared<RamPage>();
        std::memcpy(page->data(), r.take(kRamPageSize).data(), kRamPageSize);
        pages.push_back(std::move(page));
      }
    }
  }
  if (r.left()) throw SnapshotError(malformed);
  return RamImage(std::move(pages));
}

std::vector<uint8_t> encode_inputs(const std::vector<InputEvent>& events) {
  ByteWriter w;
  w.u32(uint32_t(events.size()));
  for (const auto& ev : events) {
    w.u64(ev.time);
    w.str16(to_string(ev.kind));  // by name: the file does not depend on the enum's values
    w.str32(ev.bytes);
  }
  return w.take();
}

std::vector<InputEvent> decode_inputs(ByteReader& r, const std::string& malformed) {
  // Each event takes at least 14 bytes (time, kind length, byte count): a count the bytes
  // present cannot hold is refused before anything is allocated for it.
  const uint32_t count = r.u32();
  if (count > r.left() / 14) throw SnapshotError(malformed + " (" + std::to_string(count) + " events in " + std::to_string(r.left()) + " bytes)");
  std::vector<InputEvent> events(count);
  for (auto& ev : events) {
    ev.time = r.u64();
    std::optional<InputKind> kind = input_kind_from_name(r.str16());
    if (!kind) throw SnapshotError(malformed);
    ev.kind = *kind;
    ev.bytes = r.str32();
  }
  if (r.left()) throw SnapshotError(malformed);
  return events;
}

}  // namespace

void write_snapshot_file(const std::string& path, const Machine& m, const Snapshot& s) {
  std::vector<uint8_t> payloads[kSectionCount];
  {
    std::string conf = encode_fingerprint(fingerprint_of(m.config()));
    payloads[kConf].assign(conf.begin(), conf.end());
  }
  {
    ByteWriter w;
    w.u64(s.time);
    w.u64(s.retired);
    payloads[kTime] = w.take();
  }
  payloads[kStat] = s.state;
  payloads[kRam] = encode_ram(s.ram);
  payloads[kSerl].assign(s.serial_output.begin(), s.serial_output.end());
  payloads[kInpt] = encode_inputs(s.input_log);

  ByteWriter w;
  w.bytes(kMagic, sizeof kMagic);
  w.u32(kSnapshotFormatVersion);
  w.u32(kSectionCount);
  for (size_t i = 0; i < kSectionCount; ++i) {
    w.bytes(kSections[i].tag, 4);
    w.u32(0);
    w.u64(payloads[i].size());
    w.u64(XXH3_64bits(payloads[i].data(), payloads[i].size()));
    w.bytes(payloads[i]);
  }
  try {
    replace_file_atomically(path, w.data());
  } catch (const AtomicFileError& e) {
    throw SnapshotError(path + ": " + e.what());
  }
}

Snapshot read_snapshot_file(const std::string& path, Machine& m) {
  SnapshotFile f = read_snapshot_file(path);
  if (auto diff = fingerprint_mismatch(f.config, fingerprint_of(m.config())))
    throw SnapshotError(path + ": taken for a different machine configuration (" + *diff + ")");
  if (f.snapshot.ram.size() != m.engine().ram().size())
    throw SnapshotError(path + ": holds " + std::to_string(f.snapshot.ram.size()) + " bytes of RAM, this machine has " +
                        std::to_string(m.engine().ram().size()));
  // Bad values are refused now, by file name. State of another layout or version is not:
  // such a snapshot may still be compared (assert config), and a restore refuses it then.
  try {
    check_state(m.state(), f.snapshot.state);
  } catch (const StateValueError& e) {
    throw SnapshotError(path + ": " + e.what());
  } catch (const StateError&) {
  }
  return std::move(f.snapshot);
}

SnapshotFile read_snapshot_file(const std::string& path) {
  std::vector<uint8_t> file;
  try {
    file = read_host_file(path, "snapshot", kMaxSnapshotFileBytes);
  } catch (const HostFileError& e) {
    throw SnapshotError(e.what());
  }
  if (file.size() < sizeof kMagic || std::memcmp(file.data(), kMagic, sizeof kMagic) != 0)
    throw SnapshotError(path + ": not a kjump snapshot");
  const std::span<const uint8_t> all(file);
  ByteReader header(all.subspan(sizeof kMagic), fail_with<SnapshotError>(path + ": truncated in the header"));
  uint32_t version = header.u32();
  if (version == 1)
    throw SnapshotError(path + ": format version 1, from an older kjump; this kjump reads version " +
                        std::to_string(kSnapshotFormatVersion) + ", so take the snapshot again");
  if (version != kSnapshotFormatVersion)
    throw SnapshotError(path + ": format version " + std::to_string(version) + ", this kjump reads version " +
                        std::to_string(kSnapshotFormatVersion));
  uint32_t count = header.u32();
  if (count != kSectionCount)
    throw SnapshotError(path + ": " + std::to_string(count) + " sections, format version " +
                        std::to_string(kSnapshotFormatVersion) + " has " + std::to_string(kSectionCount));

  size_t pos = sizeof kMagic + 8;
  SnapshotFile out;
  Snapshot& s = out.snapshot;
  for (size_t i = 0; i < kSectionCount; ++i) {
    const std::string name = kSections[i].name;
    const std::string where = path + ": ";
    const std::string malformed = where + "malformed section " + name;
    ByteReader hdr(all.subspan(pos), fail_with<SnapshotError>(where + "truncated in section " + name));
    const uint8_t* tag = hdr.take(4).data();
    if (std::memcmp(tag, kSections[i].tag, 4) != 0)
      throw SnapshotError(where + "corrupt: section " + name + " expected, found tag '" +
                          escape_for_message(std::string(reinterpret_cast<const char*>(tag), 4)) + "'");
    // Reserved: written as zero, and checked, so that no header byte goes unchecked (the
    // payload has its checksum; tag, length and checksum are checked against the file).
    if (uint32_t reserved = hdr.u32(); reserved != 0)
      throw SnapshotError(where + "corrupt: section " + name + " has reserved field " + std::to_string(reserved) +
                          ", not 0");
    uint64_t length = hdr.u64();
    uint64_t sum = hdr.u64();
    if (length > hdr.left()) throw SnapshotError(where + "truncated in section " + name);
    const uint8_t* payload = hdr.take(size_t(length)).data();
    pos = file.size() - hdr.left();
    if (XXH3_64bits(payload, size_t(length)) != sum) throw SnapshotError(where + "checksum mismatch in section " + name);
    ByteReader sec(payload, size_t(length), fail_with<SnapshotError>(malformed));
    switch (i) {
      case kConf:
        try {
          out.config = decode_fingerprint(sec.str(sec.left()));
        } catch (const std::runtime_error&) {
          throw SnapshotError(malformed);
        }
        break;
      case kTime:
        s.time = sec.u64();
        s.retired = sec.u64();
        if (sec.left()) throw SnapshotError(malformed);
        break;
      case kStat: s.state.assign(payload, payload + length); break;
      case kRam: s.ram = decode_ram(sec, malformed); break;
      case kSerl: s.serial_output = sec.str(sec.left()); break;
      case kInpt: s.input_log = decode_inputs(sec, malformed); break;
    }
  }
  if (pos != file.size()) throw SnapshotError(path + ": unexpected data after the last section");
  s.ram_pages_copied = s.ram.stored_pages();
  return out;
}

}  // namespace kjump
