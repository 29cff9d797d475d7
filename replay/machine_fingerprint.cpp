#include "replay/machine_fingerprint.h"

#include <cstdio>

#include "base/hex.h"
#include "emu/state.h"
#include "machine/boot/file_bytes.h"
#include "replay/line_escape.h"

namespace kjump {
namespace {

std::string file_hash(const std::string& path, const std::string& what) {
  auto bytes = read_file_bytes(path, what);
  return "xxh3 " + hex64(hash_bytes(bytes.data(), bytes.size())) + ", " + std::to_string(bytes.size()) + " bytes";
}


}  // namespace

MachineFingerprint fingerprint_of(const MachineConfig& c) {
  MachineFingerprint f;
  f.emplace_back("ram_size", std::to_string(c.ram_size));
  f.emplace_back("kernel", file_hash(c.kernel_path, "kernel"));
  f.emplace_back("cmdline", (c.kernel_name.empty() ? c.kernel_path : c.kernel_name) + " " + c.append);
  f.emplace_back("modules", std::to_string(c.modules.size()));
  for (size_t i = 0; i < c.modules.size(); ++i) {
    const std::string& m = c.modules[i];
    std::string file = m.substr(0, m.find(' '));
    f.emplace_back("module[" + std::to_string(i) + "]", m + " (" + file_hash(file, "module") + ")");
  }
  f.emplace_back("disk", c.disk_path.empty() ? "none" : c.disk_path);
  f.emplace_back("fw_files", std::to_string(c.fw_files.size()));
  for (size_t i = 0; i < c.fw_files.size(); ++i) {
    const FwFile& w = c.fw_files[i];
    std::string content = w.host_path.empty() ? "string " + hex64(hash_bytes(w.text.data(), w.text.size()))
                                              : file_hash(w.host_path, "--fw file");
    f.emplace_back("fw[" + std::to_string(i) + "]", w.name + " (" + content + ")");
  }
  std::string faults;
  for (const auto& x : c.inject) faults += (faults.empty() ? "" : ",") + x;
  f.emplace_back("inject", faults.empty() ? "none" : faults);
  return f;
}

std::string encode_fingerprint(const MachineFingerprint& f) {
  std::string out;
  for (const auto& [k, v] : f) out += k + "=" + escape_line(v) + "\n";
  return out;
}

MachineFingerprint decode_fingerprint(const std::string& text) {
  MachineFingerprint f;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    size_t eq = line.find('=');
    if (eq == std::string::npos) throw std::runtime_error("malformed configuration line '" + line + "'");
    f.emplace_back(line.substr(0, eq), unescape_line(line.substr(eq + 1)));
    pos = nl + 1;
  }
  return f;
}

std::optional<std::string> fingerprint_mismatch(const MachineFingerprint& snapshot, const MachineFingerprint& here) {
  for (size_t i = 0; i < snapshot.size() || i < here.size(); ++i) {
    if (i >= snapshot.size()) return here[i].first + ": not in the snapshot, this machine " + here[i].second;
    if (i >= here.size()) return snapshot[i].first + ": snapshot " + snapshot[i].second + ", not on this machine";
    if (snapshot[i] != here[i]) {
      if (snapshot[i].first != here[i].first)
        return "snapshot has " + snapshot[i].first + " where this machine has " + here[i].first;
      return snapshot[i].first + ": snapshot " + snapshot[i].second + ", this machine " + here[i].second;
    }
  }
  return std::nullopt;
}

}  // namespace kjump
