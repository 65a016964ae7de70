#include "diffuse/io/plot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffuse {
namespace {

constexpr Rgb kSeriesRed{214, 39, 40};
constexpr Rgb kSeriesGreen{44, 160, 44};
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Column -> rows holding `color`.
std::map<int, std::vector<int>> columns_with(const Canvas& canvas, Rgb color) {
  std::map<int, std::vector<int>> columns;
  for (int y = 0; y < canvas.height(); ++y) {
    for (int x = 0; x < canvas.width(); ++x) {
      if (canvas.pixel(x, y) == color) columns[x].push_back(y);
    }
  }
  return columns;
}

struct HorizontalRun {
  int length = 0, left = -1;  // the first such run from the top, left to right
};

HorizontalRun longest_run(const Canvas& canvas, Rgb color) {
  HorizontalRun best;
  for (int y = 0; y < canvas.height(); ++y) {
    int run = 0;
    for (int x = 0; x < canvas.width(); ++x) {
      run = canvas.pixel(x, y) == color ? run + 1 : 0;
      if (run > best.length) best = {run, x - run + 1};
    }
  }
  return best;
}

int longest_horizontal_run(const Canvas& canvas, Rgb color) { return longest_run(canvas, color).length; }

Series make_series(std::vector<double> x, std::vector<double> y, Rgb color,
                   std::string label = "") {
  Series series;
  series.label = std::move(label);
  series.x = std::move(x);
  series.y = std::move(y);
  series.color = color;
  return series;
}

void expect_ticks(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) EXPECT_DOUBLE_EQ(actual[i], expected[i]) << i;
}

TEST(NiceTicksTest, RoundHundreds) {
  expect_ticks(nice_ticks(0, 1000, 6), {0, 200, 400, 600, 800, 1000});
}

TEST(NiceTicksTest, SmallDecimalsStayInside) {
  expect_ticks(nice_ticks(0.013, 0.087, 6), {0.02, 0.04, 0.06, 0.08});
  expect_ticks(nice_ticks(0.013, 0.087, 8), {0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08});
}

TEST(NiceTicksTest, EdgeCases) {
  expect_ticks(nice_ticks(1000, 0, 6), {0, 200, 400, 600, 800, 1000});  // reversed bounds
  expect_ticks(nice_ticks(2.5, 2.5, 5), {2.5});
  EXPECT_TRUE(nice_ticks(kNaN, 1, 5).empty());
  EXPECT_TRUE(nice_ticks(0, 1, 0).empty());
  EXPECT_EQ(nice_ticks(0.56, 0.59, 1).size(), 1u);
  const auto symmetric = nice_ticks(-1, 1, 5);
  expect_ticks(symmetric, {-1, -0.5, 0, 0.5, 1});
  EXPECT_FALSE(std::signbit(symmetric[2]));  // a clean 0, not -0
}

TEST(NiceTicksTest, PropertiesHoldOverManyRanges) {
  for (double lo : {-7.3, -0.004, 0.0, 0.3, 12.0, 1e5}) {
    for (double span : {1e-4, 0.07, 1.0, 3.3, 250.0, 1e7}) {
      for (int max_ticks : {1, 2, 3, 5, 8, 12}) {
        const double hi = lo + span;
        const auto ticks = nice_ticks(lo, hi, max_ticks);
        SCOPED_TRACE(std::to_string(lo) + " " + std::to_string(hi) + " " +
                     std::to_string(max_ticks));
        ASSERT_FALSE(ticks.empty());
        EXPECT_LE(static_cast<int>(ticks.size()), max_ticks);
        for (double t : ticks) {
          EXPECT_GE(t, lo);
          EXPECT_LE(t, hi);
        }
        if (ticks.size() < 2) continue;
        // The step is 1, 2 or 5 times a power of ten and constant.
        const double step = ticks[1] - ticks[0];
        const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
        EXPECT_TRUE(std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 ||
                    std::abs(mantissa - 5) < 1e-6)
            << "step " << step;
        // Spacing is exact up to the rounding of the tick values themselves.
        const double tolerance = step * 1e-6 + std::abs(hi) * 1e-14;
        for (std::size_t i = 1; i < ticks.size(); ++i) {
          EXPECT_NEAR(ticks[i] - ticks[i - 1], step, tolerance);
        }
        // More ticks would have fitted in max_ticks only with a finer step:
        // the chosen step leaves no room for a whole extra tick at each end.
        EXPECT_LT(ticks.front() - step, lo + step * 1e-6);
        EXPECT_GT(ticks.back() + step, hi - step * 1e-6);
      }
    }
  }
}

TEST(FormatTickTest, ShortLabels) {
  EXPECT_EQ(format_tick(0), "0");
  EXPECT_EQ(format_tick(-0.0), "0");
  EXPECT_EQ(format_tick(250), "250");
  EXPECT_EQ(format_tick(2500), "2500");
  EXPECT_EQ(format_tick(-250), "-250");
  EXPECT_EQ(format_tick(1.5), "1.5");
  EXPECT_EQ(format_tick(0.05), "0.05");
  EXPECT_EQ(format_tick(0.01), "0.01");
  EXPECT_EQ(format_tick(0.1 + 0.2), "0.3");
  EXPECT_EQ(format_tick(100000), "100000");
  EXPECT_EQ(format_tick(0.001), "1e-3");
  EXPECT_EQ(format_tick(0.00025), "2.5e-4");
  EXPECT_EQ(format_tick(-0.00025), "-2.5e-4");
  EXPECT_EQ(format_tick(9.999e-4), "1e-3");
  EXPECT_EQ(format_tick(1e6), "1e6");
  EXPECT_EQ(format_tick(2.5e7), "2.5e7");
  EXPECT_EQ(format_tick(123456.7), "1.23e5");  // not round: short exponent form
  EXPECT_EQ(format_tick(kNaN), "nan");
}

TEST(FormatTickTest, NiceTicksGetShortLabels) {
  for (double hi : {0.0021, 0.087, 1.0, 7.5, 130.0, 4800.0, 9e5, 3e8}) {
    for (double t : nice_ticks(-hi, hi, 7)) {
      EXPECT_LE(format_tick(t).size(), 7u) << t;  // "-2.5e-4" is the longest kind
    }
  }
}

TEST(LinePlotTest, RisingSeriesRisesOnScreen) {
  std::vector<double> x, y;
  for (int i = 0; i <= 50; ++i) x.push_back(i), y.push_back(i);
  LinePlotOptions options;
  options.title = "y = x";
  options.x_label = "step";
  options.y_label = "value";
  const Canvas canvas = render_line_plot({make_series(x, y, kSeriesRed)}, options);
  EXPECT_EQ(canvas.width(), options.width);
  EXPECT_EQ(canvas.height(), options.height);
  const auto columns = columns_with(canvas, kSeriesRed);
  ASSERT_GT(columns.size(), 100u);  // a long curve, not a dot
  const int left_y = columns.begin()->second.front();
  const int right_y = columns.rbegin()->second.front();
  EXPECT_GT(left_y, right_y + 100);  // screen y grows downwards
  // Monotonic: each column's pixel is no lower than the previous one's.
  int previous = canvas.height();
  for (const auto& [column, rows] : columns) {
    EXPECT_LE(rows.front(), previous) << column;
    previous = rows.front();
  }
  // No legend for a single unlabelled series.
  EXPECT_LT(longest_horizontal_run(canvas, kSeriesRed), 20);
}

// Rows of the title band (above the plot area) holding title ink, with no
// ink in the three columns at either edge: nothing runs off the canvas.
std::vector<int> title_rows_inside(const std::string& title, int width) {
  constexpr Rgb kTitleInk{30, 30, 30};
  LinePlotOptions options;
  options.width = width;
  options.title = title;
  const Canvas canvas = render_line_plot({make_series({0, 1}, {0, 1}, kSeriesRed)}, options);
  std::vector<int> inked_rows;
  for (int y = 0; y < 56; ++y) {  // the plot area starts below row 60
    int inked = 0;
    for (int x = 0; x < canvas.width(); ++x) inked += canvas.pixel(x, y) == kTitleInk;
    if (inked > 0) inked_rows.push_back(y);
    for (int x : {0, 1, 2, width - 3, width - 2, width - 1}) {
      EXPECT_NE(canvas.pixel(x, y), kTitleInk) << title << ": ink at the edge, column " << x << ", row " << y;
    }
  }
  return inked_rows;
}

// Lines of text in a run of inked rows: blank rows between them part them.
int text_lines(const std::vector<int>& inked_rows) {
  int lines = inked_rows.empty() ? 0 : 1;
  for (size_t i = 1; i < inked_rows.size(); ++i) lines += inked_rows[i] - inked_rows[i - 1] > 1;
  return lines;
}

// A title too long for one line at scale 2 is broken at spaces into two
// lines at scale 2; one too long for two goes to scale 1, broken again,
// rather than drawn on one line and cut off at both edges.
TEST(LinePlotTest, LongTitlesWrapInsideTheCanvas) {
  const std::vector<int> two_big = title_rows_inside("FID against guidance (a-run-with-a-long-name)", 320);
  EXPECT_EQ(text_lines(two_big), 2);
  EXPECT_GE(two_big.back() - two_big.front(), 2 * Canvas::text_height(2));  // two lines at scale 2
  const std::vector<int> two_small =  // 408 px on one line at scale 1, 3 lines at scale 2
      title_rows_inside("FID against guidance (a-run-with-a-long-name, sigma in (0.28, 5.42])", 320);
  EXPECT_EQ(text_lines(two_small), 2);
  EXPECT_LT(two_small.back() - two_small.front(), 2 * Canvas::text_height(2));
}

TEST(LinePlotTest, LabelledSeriesGetLegendSamples) {
  const Canvas canvas =
      render_line_plot({make_series({0, 1, 2}, {3, 1, 2}, kSeriesRed, "train"),
                        make_series({0, 1, 2}, {2, 2.5, 1}, kSeriesGreen, "eval")},
                       LinePlotOptions{});
  EXPECT_GE(longest_horizontal_run(canvas, kSeriesRed), 20);
  EXPECT_GE(longest_horizontal_run(canvas, kSeriesGreen), 20);
}

// A labelled rising curve ends in the top-right corner, where the legend
// used to sit: the legend moves to a corner the curves leave free, so the
// curve's last pixels stay visible and the legend's sample is still drawn.
TEST(LinePlotTest, LegendAvoidsTheCornerTheCurvesRunThrough) {
  std::vector<double> x, y;
  for (int i = 0; i <= 50; ++i) x.push_back(i), y.push_back(i);
  const Canvas canvas = render_line_plot({make_series(x, y, kSeriesRed, "accuracy")}, LinePlotOptions{});
  EXPECT_GE(longest_horizontal_run(canvas, kSeriesRed), 20);  // the legend's sample line
  // The curve is whole: every column from its first to its last holds red
  // (a box over it leaves columns where only the label's dark text is).
  const auto columns = columns_with(canvas, kSeriesRed);
  ASSERT_GT(columns.size(), 100u);
  for (int column = columns.begin()->first; column <= columns.rbegin()->first; ++column) {
    EXPECT_TRUE(columns.count(column)) << "no curve in column " << column;
  }
  // A falling curve keeps the legend at the top right, as before.
  std::vector<double> falling(y.rbegin(), y.rend());
  const Canvas other = render_line_plot({make_series(x, falling, kSeriesRed, "loss")}, LinePlotOptions{});
  const HorizontalRun sample = longest_run(other, kSeriesRed);  // the legend's sample line
  EXPECT_GE(sample.length, 20);
  EXPECT_GT(sample.left, other.width() / 2);
}

TEST(LinePlotTest, NonFiniteValuesBreakTheLine) {
  const Canvas canvas = render_line_plot(
      {make_series({0, 1, 2, 3, 4}, {1, 2, kNaN, 4, 5}, kSeriesRed)}, LinePlotOptions{});
  const auto columns = columns_with(canvas, kSeriesRed);
  ASSERT_FALSE(columns.empty());
  int gaps = 0;
  for (int x = columns.begin()->first; x <= columns.rbegin()->first; ++x) {
    gaps += columns.count(x) == 0 ? 1 : 0;
  }
  EXPECT_GT(gaps, 50);  // the whole x range from point 1 to point 3 is empty
}

TEST(LinePlotTest, DegenerateInputsDoNotCrash) {
  LinePlotOptions options;
  EXPECT_NO_THROW(render_line_plot({}, options));
  EXPECT_NO_THROW(render_line_plot({make_series({}, {}, kSeriesRed)}, options));
  EXPECT_NO_THROW(render_line_plot({make_series({3}, {7}, kSeriesRed)}, options));
  const double huge = std::numeric_limits<double>::max();
  const std::vector<std::vector<double>> awkward = {
      {0.5, 0.5, 0.5}, {kNaN, kNaN, kNaN}, {1e300, -1e300, 0}, {huge, -huge, 0}, {huge, huge, huge}};
  for (const auto& y : awkward) {
    EXPECT_NO_THROW(render_line_plot({make_series({1, 2, 3}, y, kSeriesRed)}, options));
    EXPECT_NO_THROW(render_line_plot({make_series(y, {1, 2, 3}, kSeriesRed)}, options));
  }
  options.width = 12, options.height = 9;  // smaller than the margins
  EXPECT_NO_THROW(render_line_plot({make_series({0, 1}, {0, 1}, kSeriesRed, "x")}, options));
  options.width = 0;
  EXPECT_THROW(render_line_plot({}, options), std::invalid_argument);
  // A lone point is still visible, and x defaults to the index.
  const Canvas dot = render_line_plot({make_series({}, {4.0}, kSeriesRed)}, LinePlotOptions{});
  EXPECT_FALSE(columns_with(dot, kSeriesRed).empty());
}

TEST(LinePlotTest, LogAxisStraightensExponentialsAndSkipsNonPositive) {
  LinePlotOptions options;
  options.log_y = true;
  std::vector<double> x, y;
  for (int i = 0; i <= 40; ++i) x.push_back(i), y.push_back(std::pow(10.0, -i / 10.0));
  const Canvas canvas = render_line_plot({make_series(x, y, kSeriesRed)}, options);
  const auto columns = columns_with(canvas, kSeriesRed);
  ASSERT_GT(columns.size(), 100u);
  const int first = columns.begin()->first, last = columns.rbegin()->first;
  const int middle = (first + last) / 2;
  ASSERT_EQ(columns.count(middle), 1u);
  const double expected_mid =
      (columns.begin()->second.front() + columns.rbegin()->second.front()) / 2.0;
  EXPECT_NEAR(columns.at(middle).front(), expected_mid, 3.0);  // straight, not hugging the axis

  EXPECT_NO_THROW(render_line_plot(
      {make_series({0, 1, 2, 3, 4}, {1, 0, -1, 0.01, 0.001}, kSeriesRed)}, options));
  EXPECT_NO_THROW(render_line_plot({make_series({0, 1}, {0, -5}, kSeriesRed)}, options));
  EXPECT_NO_THROW(render_line_plot({make_series({0, 1}, {3, 3}, kSeriesRed)}, options));
}

TEST(LinePlotTest, LogLogAxesStraightenPowerLaws) {
  // y = 1 / x^2 on log-log axes is a straight line from the first point to the last.
  LinePlotOptions options;
  options.log_x = true;
  options.log_y = true;
  std::vector<double> x, y;
  for (double k = 5; k <= 2000; k *= 1.2) x.push_back(k), y.push_back(1.0 / (k * k));
  Series series = make_series(x, y, kSeriesRed);
  const Canvas canvas = render_line_plot({series}, options);
  const auto columns = columns_with(canvas, kSeriesRed);
  ASSERT_GT(columns.size(), 100u);
  const int first = columns.begin()->first, last = columns.rbegin()->first;
  const double expected_mid = (columns.begin()->second.front() + columns.rbegin()->second.front()) / 2.0;
  EXPECT_NEAR(columns.at((first + last) / 2).front(), expected_mid, 3.0);
  // Markers widen the drawn band; x <= 0 is left out, not an error.
  series.markers = true;
  series.x.front() = 0.0;
  EXPECT_NO_THROW(render_line_plot({series}, options));
}

TEST(ScatterPlotTest, PointLandsAtItsMappedPixel) {
  ScatterPlotOptions options;
  options.title = "samples";
  const PixelRect area = scatter_plot_area(options);
  EXPECT_EQ(area.width, area.height);
  EXPECT_GE(area.left, 0);
  EXPECT_LE(area.left + area.width, options.size);
  EXPECT_LE(area.top + area.height, options.size);

  const Canvas canvas = render_scatter_plot({1.0}, {-2.0}, options);
  EXPECT_EQ(canvas.width(), options.size);
  EXPECT_EQ(canvas.height(), options.size);
  const double px = area.left + (1.0 - options.x_min) / (options.x_max - options.x_min) *
                                    (area.width - 1);
  const double py = area.top + (area.height - 1) -
                    (-2.0 - options.y_min) / (options.y_max - options.y_min) * (area.height - 1);
  EXPECT_EQ(canvas.pixel(static_cast<int>(std::lround(px)), static_cast<int>(std::lround(py))),
            options.color);
  const auto columns = columns_with(canvas, options.color);
  ASSERT_FALSE(columns.empty());
  EXPECT_LE(std::abs(columns.begin()->first - px), 2.0);
  EXPECT_LE(std::abs(columns.rbegin()->first - px), 2.0);
}

TEST(ScatterPlotTest, OutOfRangeAndNonFinitePointsAreSkipped) {
  ScatterPlotOptions options;
  const Canvas canvas =
      render_scatter_plot({10.0, 0.0, kNaN, -4.5}, {0.0, 9.0, 0.0, -4.5}, options);
  EXPECT_TRUE(columns_with(canvas, options.color).empty());
  options.x_min = 1, options.x_max = 1;
  EXPECT_THROW(render_scatter_plot({}, {}, options), std::invalid_argument);
  EXPECT_THROW(scatter_plot_area(options), std::invalid_argument);
  ScatterPlotOptions tiny;
  tiny.size = 10;
  EXPECT_NO_THROW(render_scatter_plot({0.0}, {0.0}, tiny));
}

// Set DIFFUSE_RASTER_PREVIEW_DIR to dump the pictures as binary PPM files.
void write_ppm(const Canvas& canvas, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  out << "P6\n" << canvas.width() << " " << canvas.height() << "\n255\n";
  out.write(reinterpret_cast<const char*>(canvas.pixels().data()),
            static_cast<std::streamsize>(canvas.pixels().size()));
}

TEST(PreviewTest, WritesPicturesWhenRequested) {
  const char* directory = std::getenv("DIFFUSE_RASTER_PREVIEW_DIR");
  if (directory == nullptr) GTEST_SKIP() << "DIFFUSE_RASTER_PREVIEW_DIR not set";
  const std::string dir = directory;

  std::vector<double> steps, train, eval, eval_steps;
  for (int i = 0; i <= 2000; i += 10) {
    steps.push_back(i);
    train.push_back(0.9 * std::exp(-i / 400.0) + 0.04 + 0.01 * std::sin(i * 0.7));
    if (i % 200 == 0) eval_steps.push_back(i), eval.push_back(0.95 * std::exp(-i / 450.0) + 0.06);
  }
  eval[3] = kNaN;  // shows a gap
  Series train_series = make_series(steps, train, Rgb{31, 119, 180}, "train loss");
  Series eval_series = make_series(eval_steps, eval, Rgb{255, 127, 14}, "eval loss");
  eval_series.thickness = 2;
  LinePlotOptions options;
  options.title = "DDPM training: loss (log scale)";
  options.x_label = "training step";
  options.y_label = "MSE loss";
  options.log_y = true;
  write_ppm(render_line_plot({train_series, eval_series}, options), dir + "/line_log.ppm");
  options.log_y = false;
  options.title = "DDPM training: loss";
  write_ppm(render_line_plot({train_series, eval_series}, options), dir + "/line_linear.ppm");

  std::vector<double> xs, ys;
  for (int i = 0; i < 2000; ++i) {
    const double angle = i * 2.399963;  // golden angle spiral, deterministic
    const double radius = 0.5 + 2.5 * (i % 97) / 97.0;
    xs.push_back(radius * std::cos(angle));
    ys.push_back(radius * std::sin(angle) * 0.6 + 0.5);
  }
  ScatterPlotOptions scatter;
  scatter.title = "samples @ step 2000";
  write_ppm(render_scatter_plot(xs, ys, scatter), dir + "/scatter.ppm");

  Canvas text(600, 130);
  std::string all;
  for (char c = 32; c < 127; ++c) all += c;
  for (int row = 0; row < 3; ++row) {
    text.draw_text(6, 6 + row * 20, all.substr(row * 32, 32), Rgb{0, 0, 0}, 2);
  }
  text.draw_text(6, 70, "The quick brown fox: jumps over 13 lazy dogs (t=0.05, 99%).", Rgb{});
  text.draw_text(6, 85, "loss [1e-3] = {q_sample + p_losses} / 2 ; #@$^&*~`|\\", Rgb{200, 0, 0});
  text.draw_text_vertical(580, 10, "vertical text", Rgb{0, 0, 200}, 1);
  write_ppm(text, dir + "/text.ppm");
}

}  // namespace
}  // namespace diffuse
