// Disk commits never write outside the image: a symlink planted at a temporary's name is not
// followed, an image given as a symlink is committed at its target (the link stays a link),
// the image keeps its mode, a hard-linked image is refused with a message, stale temporaries
// of an earlier, killed commit are removed, and non-regular files are refused on open.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <filesystem>
#include <fstream>

#include "machine/devices/disk_image.h"
#include "replay_test_support.h"

using namespace kjump;
using namespace kjump::replaytest;
namespace fs = std::filesystem;

namespace {

void make_image(const std::string& path, uint8_t fill, mode_t mode = 0644) {
  write_bytes(path, std::vector<uint8_t>(4096, fill));
  ::chmod(path.c_str(), mode);
}

void write_sector0(Disk& d, uint8_t v) {
  std::vector<uint8_t> s(512, v);
  d.write(0, 1, s.data());
}

}  // namespace

TEST_CASE("disk commit: a planted symlink at the old fixed temporary name is never followed") {
  TempDir dir;
  const std::string img = dir.file("disk.img"), victim = dir.file("victim");
  make_image(img, 0);
  write_bytes(victim, {'k', 'e', 'e', 'p'});
  fs::create_symlink(victim, img + ".kjump-tmp");
  fs::create_symlink(victim, img + ".kjump-tmp-AAAAAA");
  Disk d(img);
  write_sector0(d, 0x5a);
  d.commit();
  CHECK(read_bytes(victim) == std::vector<uint8_t>{'k', 'e', 'e', 'p'});
  CHECK(fs::is_regular_file(fs::symlink_status(img)));
  CHECK(read_bytes(img)[0] == 0x5a);
  CHECK(fs::is_symlink(fs::symlink_status(img + ".kjump-tmp-AAAAAA")));  // not ours to remove
}

TEST_CASE("disk commit: an image given as a symlink is written at its target, keeping the link") {
  TempDir dir;
  fs::create_directory(dir.path / "real");
  const std::string target = dir.file("real/disk.img"), link = dir.file("link.img");
  make_image(target, 0);
  fs::create_symlink(target, link);
  Disk d(link);
  write_sector0(d, 0x77);
  d.commit();
  CHECK(fs::is_symlink(fs::symlink_status(link)));
  CHECK(read_bytes(target)[0] == 0x77);
  for (auto& e : fs::directory_iterator(dir.path)) CHECK(e.path().filename().string().find("kjump-tmp") == std::string::npos);
  // Reads after the commit see the committed file.
  std::vector<uint8_t> s(512);
  d.read(0, 1, s.data());
  CHECK(s[0] == 0x77);
}

TEST_CASE("disk commit: the image keeps its mode, whatever the umask or a leftover") {
  TempDir dir;
  const std::string img = dir.file("disk.img");
  make_image(img, 0, 0604);
  Disk d(img);
  write_sector0(d, 1);
  d.commit();
  struct stat st;
  REQUIRE(::stat(img.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0604);
}

TEST_CASE("disk commit: a hard-linked image is refused with a message, unchanged") {
  TempDir dir;
  const std::string img = dir.file("disk.img"), other = dir.file("other.img");
  make_image(img, 0);
  fs::create_hard_link(img, other);
  Disk d(img);
  write_sector0(d, 9);
  CHECK_THROWS_WITH(d.commit(), doctest::Contains("hard links"));
  CHECK(read_bytes(other)[0] == 0);
  CHECK(d.dirty_sectors() == 1);  // the overlay is kept
}

TEST_CASE("disk commit: stale temporaries of a killed commit are removed, fresh ones kept") {
  TempDir dir;
  const std::string img = dir.file("disk.img");
  make_image(img, 0);
  const std::string stale = img + ".kjump-tmp-OLDOLD", fresh = img + ".kjump-tmp-NEWNEW";
  write_bytes(stale, {1});
  write_bytes(fresh, {2});
  struct utimbuf old {};
  old.actime = old.modtime = ::time(nullptr) - 7200;
  ::utime(stale.c_str(), &old);
  Disk d(img);
  write_sector0(d, 3);
  d.commit();
  CHECK(!fs::exists(stale));
  CHECK(fs::exists(fresh));
}

TEST_CASE("disk: a directory, a FIFO or /dev/zero is refused as an image, naming it") {
  TempDir dir;
  const std::string fifo = dir.file("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  for (const std::string& p : {dir.path.string(), std::string("/dev/zero")}) {
    CHECK_THROWS_WITH(Disk{p}, doctest::Contains(p.c_str()));
  }
  // Opening a FIFO read-write does not block; it is then refused.
  CHECK_THROWS_WITH(Disk{fifo}, doctest::Contains("not a regular file"));
}
