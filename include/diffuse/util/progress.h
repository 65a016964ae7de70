#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace diffuse {

// A one-line progress bar on stderr: "label [#####.....] 120/1000 12.3 it/s ETA 1:11 extra".
// On a terminal it redraws in place at most ten times a second; otherwise
// (a log file, CI) it prints a line at every tenth of the way and at least
// once a minute.
class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, int64_t start = 0, std::FILE* stream = stderr);
  ~ProgressBar();

  // Reports that `done` of `total` are finished; `extra` is shown at the end (e.g. "loss 0.031").
  void update(int64_t done, const std::string& extra = "");
  // Draws the final state and ends the line.
  void finish(const std::string& extra = "");
  double rate() const;  // items per second since the start

 private:
  void draw(bool final_line);

  std::string label_;
  int64_t total_, start_, done_;
  std::string extra_;
  std::FILE* stream_;
  bool interactive_;
  bool finished_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point started_, last_draw_;
};

// "1:02:03" or "2:03".
std::string format_duration(double seconds);

}  // namespace diffuse
