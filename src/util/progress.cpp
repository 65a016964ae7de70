#include "diffuse/util/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace diffuse {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<int64_t>(seconds + 0.5);
  const int64_t h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char buffer[32];
  if (h > 0) {
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", static_cast<long long>(h), static_cast<long long>(m),
                  static_cast<long long>(s));
  } else {
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld", static_cast<long long>(m), static_cast<long long>(s));
  }
  return buffer;
}

int terminal_columns(std::FILE* stream) {
  const int fd = fileno(stream);
  if (fd < 0 || isatty(fd) == 0) return 0;
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  const char* columns = std::getenv("COLUMNS");
  return columns != nullptr ? std::max(0, std::atoi(columns)) : 0;
}

std::string fit_to_width(const std::string& line, int columns) {
  if (columns <= 0 || static_cast<int>(line.size()) < columns) return line;
  return line.substr(0, static_cast<size_t>(std::max(columns - 1, 0)));
}

ProgressBar::ProgressBar(std::string label, int64_t total, int64_t start, std::FILE* stream)
    : label_(std::move(label)),
      total_(std::max<int64_t>(total, 1)),
      start_(start),
      done_(start),
      stream_(stream),
      interactive_(isatty(fileno(stream)) != 0),
      started_(std::chrono::steady_clock::now()),
      last_draw_(started_) {}

ProgressBar::~ProgressBar() {
  if (!finished_ && interactive_ && done_ > start_) std::fputc('\n', stream_);
}

double ProgressBar::rate() const {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return elapsed > 0 ? static_cast<double>(done_ - start_) / elapsed : 0.0;
}

void ProgressBar::update(int64_t done, const std::string& extra) {
  done_ = done;
  extra_ = extra;
  const auto now = std::chrono::steady_clock::now();
  if (interactive_) {
    if (now - last_draw_ < std::chrono::milliseconds(100) && done_ < total_) return;
    last_draw_ = now;
    draw(false);
  } else {
    // A log file gets a line at every tenth of the way, and at least once a minute.
    const int decile = static_cast<int>(10 * done_ / total_);
    if (decile == last_decile_ && now - last_draw_ < std::chrono::seconds(60)) return;
    last_decile_ = decile;
    last_draw_ = now;
    draw(false);
  }
}

void ProgressBar::finish(const std::string& extra) {
  if (finished_) return;
  if (!extra.empty()) extra_ = extra;
  draw(true);
  finished_ = true;
}

void ProgressBar::draw(bool final_line) {
  const int columns = interactive_ ? terminal_columns(stream_) : 0;
  const int width = columns > 0 && columns < 100 ? std::max(8, columns / 4) : 24;  // a narrow terminal, a shorter bar
  const double fraction = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
  const int filled = static_cast<int>(fraction * width);
  const double items_per_second = rate();
  const double eta = items_per_second > 0 ? static_cast<double>(total_ - done_) / items_per_second : NAN;
  const std::string bar = std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(width - filled), '.');
  const std::string elapsed =
      format_duration(std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  const std::string counter =
      counter_.empty() ? std::to_string(done_) + "/" + std::to_string(total_) : counter_;
  char rate_text[32];
  std::snprintf(rate_text, sizeof rate_text, "%.1f it/s", items_per_second);
  std::string line = label_ + " [" + bar + "] " + counter + " " + rate_text + " " + (final_line ? "in " + elapsed : "ETA " + format_duration(eta)) +
                     (extra_.empty() ? "" : "  " + extra_);
  std::fprintf(stream_, "%s%s", interactive_ ? "\r\033[2K" : "", fit_to_width(line, columns).c_str());
  if (final_line || !interactive_) std::fputc('\n', stream_);
  std::fflush(stream_);
}

}  // namespace diffuse
