// base/atomic_file: a replace either happens whole or not at all, and leaves no temporary
// file behind.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "base/atomic_file.h"

using namespace kjump;
namespace fs = std::filesystem;

namespace {

struct Scratch {
  Scratch() {
    std::string tmpl = (fs::temp_directory_path() / "kjump-atomic-XXXXXX").string();
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back(0);
    REQUIRE(::mkdtemp(name.data()) != nullptr);
    dir = name.data();
  }
  ~Scratch() {
    std::error_code ec;
    fs::permissions(dir, fs::perms::owner_all, ec);
    fs::remove_all(dir, ec);
  }
  std::string file(const std::string& name) const { return dir + "/" + name; }
  size_t entries() const { return size_t(std::distance(fs::directory_iterator(dir), fs::directory_iterator())); }
  std::string dir;
};

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void put(const std::string& path, const std::string& s) { std::ofstream(path, std::ios::binary) << s; }

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

TEST_CASE("atomic file: replaces the target whole, with the mode asked for, and leaves nothing else") {
  Scratch s;
  std::string p = s.file("out.bin");
  replace_file_atomically(p, bytes_of("first"));
  CHECK(contents(p) == "first");
  CHECK((fs::status(p).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read));
  replace_file_atomically(p, bytes_of("second, longer"), 0600);
  CHECK(contents(p) == "second, longer");
  CHECK((fs::status(p).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(s.entries() == 1);

  // Streaming, and dropped before commit(): the target is untouched, the temporary gone.
  {
    AtomicFile f(p);
    CHECK(f.temp_path().rfind(p + ".kjump-tmp-", 0) == 0);
    f.write("abandoned", 9);
    CHECK(s.entries() == 2);
  }
  CHECK(contents(p) == "second, longer");
  CHECK(s.entries() == 1);
}

TEST_CASE("atomic file: a failed replace keeps the old file") {
  Scratch s;
  std::string p = s.file("keep.bin");
  put(p, "old");

  SUBCASE("the folder does not exist") {
    std::string q = s.file("missing/keep.bin");
    CHECK_THROWS_WITH_AS(replace_file_atomically(q, bytes_of("new")),
                         "cannot create a temporary file: No such file or directory", AtomicFileError);
  }
  SUBCASE("the folder is not writable") {
    fs::permissions(s.dir, fs::perms::owner_read | fs::perms::owner_exec);
    if (::access(s.dir.c_str(), W_OK) == 0) {
      // root writes anywhere; the write-failure case below covers the failure path then.
      MESSAGE("running with permission to write a read-only folder: skipped");
    } else {
      CHECK_THROWS_WITH_AS(replace_file_atomically(p, bytes_of("new")),
                           "cannot create a temporary file: Permission denied", AtomicFileError);
    }
    fs::permissions(s.dir, fs::perms::owner_all);
  }
  SUBCASE("a write fails half way (the file size limit, which binds root too)") {
    struct rlimit old_limit;
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = old_limit;
    small.rlim_cur = 4096;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string big(64 * 1024, 'n');
    std::string what;
    try {
      replace_file_atomically(p, bytes_of(big));
    } catch (const AtomicFileError& e) {
      what = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &old_limit);
    std::signal(SIGXFSZ, old_handler);
    CHECK(what == "write failed: File too large");
  }
  CHECK(contents(p) == "old");
  CHECK(s.entries() == 1);
}
