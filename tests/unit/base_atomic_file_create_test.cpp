// base/atomic_file: resize() makes a sparse file of the size asked, and commit(Overwrite::No)
// puts a new file in place only where there is none (what `kjump disk create` relies on).
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "base/atomic_file.h"
#include "boot_test_support.h"

using namespace kjump;

TEST_CASE("atomic file: resize grows with zeroes that take no room, after what was written") {
  boottest::TempDir dir;
  const std::string p = (dir.path() / "disk.img").string();
  AtomicFile f(p);
  f.write("MBR", 3);
  f.resize(64u << 20);
  f.commit(AtomicFile::Overwrite::No);
  CHECK(std::filesystem::file_size(p) == 64u << 20);
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  CHECK(uint64_t(st.st_blocks) * 512 < (1u << 20));
  std::ifstream in(p, std::ios::binary);
  char head[5] = {};
  in.read(head, 4);
  CHECK(std::string(head, 4) == std::string("MBR\0", 4));
}

TEST_CASE("atomic file: commit(Overwrite::No) keeps an existing file and leaves no temporary") {
  boottest::TempDir dir;
  const std::string p = dir.file("old.img", {'o', 'l', 'd'});
  {
    AtomicFile f(p);
    f.write("new", 3);
    CHECK_THROWS_WITH_AS(f.commit(AtomicFile::Overwrite::No), "cannot put the file in place: File exists",
                         AtomicFileError);
  }
  std::ifstream in(p, std::ios::binary);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "old");
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 1);
  AtomicFile g(p);
  g.write("new", 3);
  g.commit();  // Overwrite::Yes, as before
  std::ifstream again(p, std::ios::binary);
  CHECK(std::string(std::istreambuf_iterator<char>(again), {}) == "new");
}
