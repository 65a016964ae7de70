#include "diffuse/io/run_directory.h"

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "diffuse/io/atomic_file.h"
#include "diffuse/util/error.h"

namespace diffuse {

RunDirectory::RunDirectory(std::string path) : path_(std::move(path)) {}

std::string RunDirectory::file(const std::string& name) const {
  return (std::filesystem::path(path_) / name).string();
}

bool RunDirectory::has_config() const {
  std::error_code error;
  return std::filesystem::is_regular_file(config_path(), error);
}

bool RunDirectory::has_checkpoint() const {
  std::error_code error;
  return std::filesystem::is_regular_file(checkpoint_path(), error) ||
         std::filesystem::is_regular_file(previous_checkpoint_path(), error);
}

void RunDirectory::write_checkpoint(const TensorFile& checkpoint) const {
  write_file_atomically_keeping_previous(checkpoint_path(), previous_checkpoint_path(), serialize_safetensors(checkpoint));
}

RunDirectory::Checkpoint RunDirectory::read_checkpoint() const {
  std::string latest_problem;
  try {
    return {checkpoint_path(), load_safetensors(checkpoint_path())};
  } catch (const Error& e) {
    latest_problem = e.what();
  }
  try {
    Checkpoint previous{previous_checkpoint_path(), load_safetensors(previous_checkpoint_path())};
    std::fprintf(stderr, "warning: %s\nwarning: using the previous checkpoint, %s\n", latest_problem.c_str(),
                 previous.path.c_str());
    return previous;
  } catch (const Error& e) {
    throw Error("no readable checkpoint in " + path_ + ": " + latest_problem + "; " + e.what());
  }
}

void RunDirectory::write_config(const RunConfig& config) const {
  write_file_atomically(config_path(), run_config_to_json(config).dump(2) + "\n");
}

RunConfig RunDirectory::read_config() const {
  std::error_code error;
  check(std::filesystem::is_directory(path_, error), "run directory " + path_ + " does not exist");
  check(has_config(), path_ + " is not a run directory (no config.json)");
  return read_run_config(config_path());
}

}  // namespace diffuse
