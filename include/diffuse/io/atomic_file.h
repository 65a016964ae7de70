#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace diffuse {

// Writes `bytes` to `path` so that a reader sees either the old file or the
// complete new one, never a half-written file: write a temporary file in the
// same directory, fsync it, rename it over `path`, fsync the directory.
// Throws Error (naming the path and the system's reason) on failure, leaving
// any previous file intact.
void write_file_atomically(const std::string& path, std::string_view bytes);

// As above, and the file `path` held before is kept as `previous_path`
// (replacing what that held). At every moment `path` holds a complete file,
// old or new: the old one is hard-linked to `previous_path` before the new
// one is renamed over it.
void write_file_atomically_keeping_previous(const std::string& path, const std::string& previous_path,
                                            std::string_view bytes);

// Removes the temporary files that a write of `path` killed midway left
// behind ("<path>.tmp<pid>"); returns how many there were.
int remove_leftover_temporary_files(const std::string& path);

// The whole file; throws Error naming the path when it cannot be read.
std::vector<std::uint8_t> read_file_bytes(const std::string& path);

// Creates a directory and its parents; throws Error when it cannot.
void create_directories(const std::string& path);

// Throws Error naming `directory` and the system's reason when a file cannot
// be created in it (read-only, no permission, not a directory), so a long
// job fails at its start, not at its first save.
void check_directory_is_writable(const std::string& directory);

// Whether the writer of a file creates the folders missing above it.
enum class MissingFolders { kRefuse, kCreate };

// Throws Error starting with "`option` `path`:" when a file could not be
// written at `path`: it is a directory, its folder does not exist (kRefuse),
// or the folder it goes into (with kCreate, the nearest existing one above
// it) cannot be written. Commands call it for every output before their
// work, so `--out /proc/x.png` fails at once.
void check_file_destination(const std::string& path, const std::string& option,
                            MissingFolders missing = MissingFolders::kRefuse);

// The outputs of one command, appearing together or not at all. While a
// StagedOutputs is alive on this thread, write_file_atomically writes each
// file completely to its temporary name (fsynced) and stops short of the
// rename; commit() renames them all into place. An error before commit() (a
// later output that cannot be written, a failure in between) lets the
// destructor remove the temporaries: a failing second output never leaves the
// first behind. Writes that keep a previous file (checkpoints) are not
// staged. One StagedOutputs at a time per thread.
class StagedOutputs {
 public:
  StagedOutputs();
  ~StagedOutputs();
  StagedOutputs(const StagedOutputs&) = delete;
  StagedOutputs& operator=(const StagedOutputs&) = delete;

  // Renames every staged file into place, in the order written.
  void commit();

  // Used by write_file_atomically: `temporary` holds the complete `path`.
  void stage(const std::string& temporary, const std::string& path);

 private:
  std::vector<std::pair<std::string, std::string>> staged_;  // (temporary, path)
};

}  // namespace diffuse
