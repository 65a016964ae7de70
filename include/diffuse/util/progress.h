#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

namespace diffuse {

// A one-line progress bar on stderr: "label [#####.....] 120/1000 12.3 it/s ETA 1:11 extra".
// On a terminal it redraws in place at most ten times a second, cut to the
// terminal's width (a line that wrapped would scroll at every redraw);
// otherwise (a log file, CI) it prints a line at every tenth of the way and
// at least once a minute.
class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, int64_t start = 0, std::FILE* stream = stderr);
  ~ProgressBar();

  // Reports that `done` of `total` are finished; `extra` is shown at the end (e.g. "loss 0.031").
  void update(int64_t done, const std::string& extra = "");
  // Draws the final state and ends the line.
  void finish(const std::string& extra = "");
  double rate() const;  // items per second since the start
  // Shown instead of "done/total" from the next draw on (empty: done/total),
  // e.g. "step 500/1000 of batch 2/4" when the items are steps of batches.
  void set_counter(std::string counter) { counter_ = std::move(counter); }

 private:
  void draw(bool final_line);

  std::string label_;
  int64_t total_, start_, done_;
  std::string extra_, counter_;
  std::FILE* stream_;
  bool interactive_;
  bool finished_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point started_, last_draw_;
};

// "1:02:03" or "2:03".
std::string format_duration(double seconds);

// The columns of the terminal `stream` writes to ($COLUMNS when the terminal
// does not say), or 0 when it is not a terminal.
int terminal_columns(std::FILE* stream);

// `line` cut to columns - 1 characters (the cursor stays on the line, which
// never wraps); columns <= 0 leaves it whole.
std::string fit_to_width(const std::string& line, int columns);

}  // namespace diffuse
