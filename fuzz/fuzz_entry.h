// The fuzz targets' entry points, shared by the libFuzzer binaries (-DKJUMP_FUZZ=ON) and the
// normal build's corpus runner (ctest fuzz_seed_corpus_*), so the seeds always go through the
// exact code the fuzzer explores. Each takes the input as one file of its kind, must never
// crash, hang or allocate from an unchecked size, and traps if a reader breaks its own
// promises (fuzz/README.md lists what each one checks).
#pragma once

#include <cstddef>
#include <cstdint>

namespace kjump::fuzz {

// Every partition 0..4 through find_partition, check_image and, when valid, the core writer;
// then the input as a whole-disk image with its checksums made to match, so mutations get past
// them.
int image_input(const uint8_t* data, size_t size);
// has_mbr, read_mbr, partition_problem and find_partition; a table read back re-encodes to
// the same LBA fields.
int mbr_input(const uint8_t* data, size_t size);
// Bytes from a GDB remote peer: the stub's wire decoder and packet protocol over an in-memory
// target (fuzz/fuzz_gdb_entry.cpp).
int gdb_input(const uint8_t* data, size_t size);
// A Linux kernel file: parse_bzimage, then LinuxLoader::place into bounded RAM of two sizes,
// with and without an initrd (fuzz/fuzz_bzimage_entry.cpp).
int bzimage_input(const uint8_t* data, size_t size);

// A kernel file: the ELF32 reader, symbols, section lookup and build id (fuzz_boot_entry.cpp).
int elf_input(const uint8_t* data, size_t size);
// A kernel file: the Multiboot header scan, kernel layout and the whole loader into RAM.
int multiboot_input(const uint8_t* data, size_t size);
// A scenario script: parser, checker and every command's arguments resolved
// (fuzz_scenario_entry.cpp).
int scenario_input(const uint8_t* data, size_t size);
// A snapshot file: read, checked and, if valid, restored and used (fuzz_replay_entry.cpp).
int snapshot_input(const uint8_t* data, size_t size);
// A state blob (a snapshot's STAT section): every reader of saved state, check_state, and a
// restore into a machine that is then used.
int state_input(const uint8_t* data, size_t size);
// An input log file (--replay).
int input_log_input(const uint8_t* data, size_t size);
// A state-hash trace file (--check), and divergence reports against it.
int trace_input(const uint8_t* data, size_t size);

struct Target {
  const char* name;  // the target is fuzz_<name>, its seeds fuzz/corpus/<name>/
  int (*entry)(const uint8_t* data, size_t size);
};
// Every target, for the corpus runner.
inline constexpr Target kTargets[] = {
    {"image", image_input},         {"mbr", mbr_input},           {"gdb", gdb_input},
    {"elf", elf_input},             {"multiboot", multiboot_input}, {"scenario", scenario_input},
    {"snapshot", snapshot_input},   {"state", state_input},       {"input_log", input_log_input},
    {"trace", trace_input},         {"bzimage", bzimage_input},
};

}  // namespace kjump::fuzz
