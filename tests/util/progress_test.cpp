#include "diffuse/util/progress.h"

#include <pty.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace diffuse {
namespace {

// What was written to `stream` (a tmpfile) so far.
std::string contents(std::FILE* stream) {
  std::fflush(stream);
  std::rewind(stream);
  std::string text;
  for (int c = std::fgetc(stream); c != EOF; c = std::fgetc(stream)) text.push_back(static_cast<char>(c));
  return text;
}

TEST(Progress, FitToWidthKeepsTheCursorOnTheLine) {
  EXPECT_EQ(fit_to_width("abcdef", 0), "abcdef");   // not a terminal: whole
  EXPECT_EQ(fit_to_width("abcdef", 7), "abcdef");   // fits with a column to spare
  EXPECT_EQ(fit_to_width("abcdef", 6), "abcde");    // would touch the last column
  EXPECT_EQ(fit_to_width("abcdef", 4), "abc");
}

TEST(Progress, ALogFileGetsWholeLinesWithTheCounter) {
  std::FILE* log = std::tmpfile();
  ASSERT_NE(log, nullptr);
  {
    ProgressBar bar("sample", 4000, 0, log);
    bar.set_counter("step 500/1000 of batch 2/4");
    bar.update(1500);
    bar.finish();
  }
  const std::string text = contents(log);
  std::fclose(log);
  EXPECT_NE(text.find("sample [#########"), std::string::npos) << text;
  EXPECT_NE(text.find("step 500/1000 of batch 2/4"), std::string::npos) << text;
  EXPECT_EQ(text.find("1500/4000"), std::string::npos) << text;
}

// On a 40-column terminal (a pseudo-terminal), no drawn line reaches the last
// column, so the terminal never wraps and scrolls.
TEST(Progress, ARedrawFitsTheTerminalWidth) {
  int master = -1, slave = -1;
  winsize size{};
  size.ws_col = 40;
  size.ws_row = 10;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, &size), 0);
  std::FILE* terminal = fdopen(slave, "w");
  ASSERT_NE(terminal, nullptr);
  {
    ProgressBar bar("a long label for a sampler", 1000, 0, terminal);
    bar.update(1000, "loss 0.0312, and more words after it");
    bar.finish();
  }
  std::fclose(terminal);
  std::string output;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  ::close(master);
  ASSERT_FALSE(output.empty());
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line, '\r')) {
    // Drop the erase-line sequence and the line ends the terminal added.
    const size_t erase = line.find("\033[2K");
    if (erase != std::string::npos) line.erase(erase, 4);
    while (!line.empty() && (line.back() == '\n')) line.pop_back();
    EXPECT_LT(line.size(), 40u) << "[" << line << "]";
  }
}

}  // namespace
}  // namespace diffuse
