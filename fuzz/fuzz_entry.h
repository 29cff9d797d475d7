// The fuzz targets' entry points, shared by the libFuzzer binaries (-DKJUMP_FUZZ=ON) and the
// normal build's corpus runner (ctest fuzz_seed_corpus), so the seeds always go through the
// exact code the fuzzer explores. Each takes the input as a whole disk image, must never crash,
// hang or allocate from an unchecked size, and traps if a reader breaks its own promises.
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

}  // namespace kjump::fuzz
