#pragma once

#include <string>

#include "diffuse/io/safetensors.h"
#include "diffuse/run_config.h"

namespace diffuse {

// The self-describing folder a training run writes and sampling reads:
//   config.json             model, schedule, data and training options
//   model.safetensors       latest raw weights
//   ema.safetensors         latest EMA weights (what `diffuse sample` uses)
//   checkpoint.safetensors  everything --resume needs, written atomically, with a checksum
//   checkpoint.previous.safetensors  the one before, used when the latest is damaged
//   metrics.jsonl           one JSON line per logging interval
//   loss.png                the loss curve
//   samples/step_NNNNNNN.png  preview grids
class RunDirectory {
 public:
  explicit RunDirectory(std::string path);

  const std::string& path() const { return path_; }
  std::string config_path() const { return file("config.json"); }
  std::string model_path() const { return file("model.safetensors"); }
  std::string ema_path() const { return file("ema.safetensors"); }
  std::string checkpoint_path() const { return file("checkpoint.safetensors"); }
  std::string previous_checkpoint_path() const { return file("checkpoint.previous.safetensors"); }
  std::string metrics_path() const { return file("metrics.jsonl"); }
  std::string loss_plot_path() const { return file("loss.png"); }
  std::string samples_directory() const { return file("samples"); }

  bool has_config() const;
  bool has_checkpoint() const;  // the latest or the previous one
  // Writes the checkpoint atomically, keeping the one it replaces as the previous one.
  void write_checkpoint(const TensorFile& checkpoint) const;
  // The latest checkpoint that reads back whole (its checksum matches): the
  // latest, else the previous one with a warning on stderr. Throws Error
  // with both reasons when neither is good.
  struct Checkpoint {
    std::string path;  // the file it came from, for messages about its contents
    TensorFile file;
  };
  Checkpoint read_checkpoint() const;
  void write_config(const RunConfig& config) const;
  // Throws Error naming config.json when it is missing or invalid.
  RunConfig read_config() const;

 private:
  std::string file(const std::string& name) const;
  std::string path_;
};

}  // namespace diffuse
