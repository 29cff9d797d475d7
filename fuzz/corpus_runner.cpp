// kjump_fuzz_corpus image|mbr|gdb|bzimage PATH...: every file under each PATH through the fuzz target's
// entry point, once, in the normal build: ctest fuzz_seed_corpus runs the checked-in seeds so
// the entry points and the readers under them are exercised on every test run, fuzzer or not.
// A crash is the failure; the exit status is 0 after all files, 2 on bad usage or no files.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_entry.h"

int main(int argc, char** argv) {
  const std::string target = argc > 1 ? argv[1] : "";
  auto* entry = target == "image" ? &kjump::fuzz::image_input : target == "mbr" ? &kjump::fuzz::mbr_input
                 : target == "gdb" ? &kjump::fuzz::gdb_input : target == "bzimage" ? &kjump::fuzz::bzimage_input : nullptr;
  if (!entry || argc < 3) {
    std::fprintf(stderr, "usage: kjump_fuzz_corpus image|mbr|gdb|bzimage PATH...\n");
    return 2;
  }
  std::vector<std::filesystem::path> files;
  for (int i = 2; i < argc; ++i) {
    std::error_code ec;
    if (std::filesystem::is_directory(argv[i], ec)) {
      for (auto& e : std::filesystem::recursive_directory_iterator(argv[i])) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else {
      files.push_back(argv[i]);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "kjump_fuzz_corpus: no input files\n");
    return 2;
  }
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "kjump_fuzz_corpus: %s: cannot open\n", f.c_str());
      return 2;
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    entry(bytes.data(), bytes.size());
  }
  std::printf("%s: %zu inputs, no crash\n", target.c_str(), files.size());
  return 0;
}
