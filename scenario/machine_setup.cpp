#include "scenario/machine_setup.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "scenario/checker.h"
#include "base/quantity.h"
#include "image/disk_create.h"
#include "image/partition_layout.h"

namespace kjump::scenario {
namespace {

uint64_t size_value(const Text& t, const ResolvedArgs& args) {
  try {
    uint64_t v = parse_size(args(t));
    if (v == 0) throw std::invalid_argument("size must be greater than zero");
    return v;
  } catch (const std::invalid_argument& e) {
    throw ScriptError(t.loc, e.what());
  }
}

}  // namespace

MachineSetup::MachineSetup(const Script& script, std::string scratch_dir)
    : script_(script), scratch_dir_(std::move(scratch_dir)) {}

bool MachineSetup::is_configuration(const CommandBody& b) {
  return std::holds_alternative<MemoryCmd>(b) || std::holds_alternative<KernelCmd>(b) ||
         std::holds_alternative<AppendCmd>(b) || std::holds_alternative<DiskCmd>(b) ||
         std::holds_alternative<FwCmd>(b) || std::holds_alternative<ModuleCmd>(b) ||
         std::holds_alternative<InjectCmd>(b);
}

std::string MachineSetup::path(const Text& t, const ResolvedArgs& args, const std::string& what, bool must_exist) const {
  const std::string& p = args(t);
  if (p.empty()) throw ScriptError(t.loc, what + ": empty path");
  std::string full = resolve_script_path(script_, t, p);
  std::error_code ec;
  if (must_exist && !std::filesystem::is_regular_file(full, ec))
    throw ScriptError(t.loc, what + " '" + p + "': no such file" + (full != p ? " (" + full + ")" : ""));
  return full;
}

void MachineSetup::apply(const Command& cmd, const ResolvedArgs& args) {
  changed_ = true;
  const CommandBody& b = cmd.body;
  if (auto* c = std::get_if<MemoryCmd>(&b)) {
    config_.ram_size = size_value(c->size, args);
  } else if (auto* c = std::get_if<KernelCmd>(&b)) {
    config_.kernel_path = path(c->path, args, "kernel", true);
    // The guest sees the file name only: traces must not depend on where the build is.
    config_.kernel_name = std::filesystem::path(config_.kernel_path).filename().string();
    if (!c->args.empty()) {
      std::string append;
      for (auto& a : c->args) append += (append.empty() ? "" : " ") + args(a);
      config_.append = append;
    }
  } else if (auto* c = std::get_if<AppendCmd>(&b)) {
    config_.append = args(c->text);
  } else if (auto* c = std::get_if<DiskCmd>(&b)) {
    if (!c->scratch_size) {
      config_.disk_path = path(c->path, args, "disk image", true);
      return;
    }
    uint64_t size = size_value(*c->scratch_size, args);
    if (size % 512) throw ScriptError(c->scratch_size->loc, "disk size " + std::to_string(size) + " is not a multiple of 512");
    if (scratch_dir_.empty()) throw ScriptError(cmd.loc, "disk ... scratch: no temporary directory for scratch images");
    std::string rel = args(c->path);
    std::filesystem::path p(rel);
    if (rel.empty() || p.is_absolute() || rel.find("..") != std::string::npos)
      throw ScriptError(c->path.loc, "scratch image path '" + rel + "' must be a plain relative name");
    std::string full = (std::filesystem::path(scratch_dir_) / p).string();
    std::vector<image::MbrPartition> partitions;
    if (!c->partitions.empty()) {
      std::vector<image::PartitionSpec> specs;
      try {
        for (const Text& t : c->partitions) specs.push_back(image::parse_partition_spec(args(t)));
        partitions = image::layout_partitions(size, specs);
      } catch (const std::invalid_argument& e) {
        throw ScriptError(c->partitions.front().loc, e.what());
      }
    }
    try {
      std::filesystem::create_directories(std::filesystem::path(full).parent_path());
      if (partitions.empty()) create_zeroed_image(full, size);
      else image::create_disk_image(full, size, partitions, image::Overwrite::Yes);
    } catch (const std::exception& e) {
      throw ScriptError(cmd.loc, e.what());
    }
    config_.disk_path = full;
  } else if (auto* c = std::get_if<FwCmd>(&b)) {
    FwFile f;
    f.name = args(c->name);
    if (c->is_string) f.text = args(c->value);
    else f.host_path = path(c->value, args, "fw_cfg file", true);
    std::erase_if(config_.fw_files, [&](const FwFile& old) { return old.name == f.name; });
    config_.fw_files.push_back(f);
  } else if (auto* c = std::get_if<ModuleCmd>(&b)) {
    std::string entry = args(c->entry);
    size_t space = entry.find(' ');
    std::string file = entry.substr(0, space);
    std::string full = resolve_script_path(script_, c->entry, file);
    std::error_code ec;
    if (file.empty() || !std::filesystem::is_regular_file(full, ec))
      throw ScriptError(c->entry.loc, "module '" + file + "': no such file");
    config_.modules.push_back(full + (space == std::string::npos ? "" : entry.substr(space)));
  } else if (auto* c = std::get_if<InjectCmd>(&b)) {
    // The machine refuses an unknown fault when it is built (at `boot` / `power on`).
    std::string fault = args(c->fault);
    if (fault.empty()) throw ScriptError(c->fault.loc, "inject: empty fault name");
    if (std::find(config_.inject.begin(), config_.inject.end(), fault) == config_.inject.end())
      config_.inject.push_back(fault);
  }
}

void create_zeroed_image(const std::string& path, uint64_t bytes) {
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("cannot create disk image '" + path + "'");
  }
  std::error_code ec;
  std::filesystem::resize_file(path, bytes, ec);  // sparse: reads as zeros
  if (ec) throw std::runtime_error("cannot size disk image '" + path + "': " + ec.message());
}

}  // namespace kjump::scenario
