#pragma once

// Minimal chart rendering on top of Canvas: loss curves (line plots with an
// optional log-y axis) and scatter plots of 2-D samples. No fonts, files or
// external libraries are involved; callers encode the returned Canvas.

#include <string>
#include <vector>

#include "diffuse/io/canvas.h"

namespace diffuse {

struct Series {
  std::string label;
  std::vector<double> x, y;  // if x is empty, y[i] is plotted at x = i (handy for loss curves)
  Rgb color;
  int thickness = 1;
  bool markers = false;  // a dot at every point, for measurements rather than curves
};

struct LinePlotOptions {
  std::string title, x_label, y_label;
  bool log_x = false;  // decade ticks; x <= 0 is left out
  bool log_y = false;
  int width = 720, height = 420;
};

// White background, title, ticked axes with labels, light grid, one polyline
// per series and a top-right legend when there is more than one series or any
// label is non-empty. Non-finite points (and y <= 0 when log_y) break the
// line; isolated points are drawn as dots. Empty, single-point and constant
// series are fine. Throws std::invalid_argument if width/height <= 0.
Canvas render_line_plot(const std::vector<Series>& series, const LinePlotOptions& options);

// Draws a plot's title centred at the top of a canvas canvas_width wide (when
// canvas is non-null) and returns the height it takes, 0 for an empty title:
// scale 2, broken at spaces into at most two lines where one would not fit,
// else scale 1 in as many lines as it takes, so no title runs off the canvas
// unless a single word does. With a null canvas it only measures.
int draw_plot_title(Canvas* canvas, const std::string& title, int canvas_width);

struct ScatterPlotOptions {
  std::string title;
  double x_min = -4, x_max = 4, y_min = -4, y_max = 4;
  int size = 360;
  double point_radius = 1.2;
  Rgb color{31, 119, 180};
};

// Square canvas of options.size pixels with a title, a light frame with axis
// ticks and one small disc per point; points outside the range or non-finite
// are skipped. Extra entries of the longer of x/y are ignored. Throws
// std::invalid_argument if size <= 0 or a range is empty or non-finite.
Canvas render_scatter_plot(const std::vector<double>& x, const std::vector<double>& y,
                           const ScatterPlotOptions& options);

// Pixel rectangle of the data area of a scatter plot. Data maps linearly:
// x_min -> left, x_max -> left + width - 1, y_max -> top,
// y_min -> top + height - 1.
struct PixelRect {
  int left = 0, top = 0, width = 0, height = 0;
};
PixelRect scatter_plot_area(const ScatterPlotOptions& options);

// "Nice" ticks: all multiples of one step of the form {1, 2, 5} x 10^k that
// lie inside [lo, hi] (bounds may be given in either order), using the
// smallest such step that yields at most max_ticks ticks. Returns {lo} when
// lo == hi, an empty vector for non-finite bounds or max_ticks < 1, and
// {lo, hi} in the degenerate case where hi - lo overflows a double.
std::vector<double> nice_ticks(double lo, double hi, int max_ticks);

// Short tick label: "0", "250", "2500", "-1.5", "0.05" for magnitudes in
// [0.01, 1e6) that need at most 4 decimals and 7 characters; otherwise an
// exponent form with up to 3 significant digits: "1e-3", "2.5e-4", "1e6",
// "1.23e5". Non-finite values give "nan", "inf", "-inf".
std::string format_tick(double value);

}  // namespace diffuse
