#include "diffuse/io/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace diffuse {
namespace {

constexpr Rgb kWhite{255, 255, 255};
constexpr Rgb kTextColor{30, 30, 30};
constexpr Rgb kAxisColor{70, 70, 70};
constexpr Rgb kGridColor{232, 232, 232};
constexpr Rgb kFrameColor{190, 190, 190};
constexpr Rgb kLegendBorder{170, 170, 170};
constexpr int kTickLength = 4;
constexpr int kPadding = 8;
constexpr int kTitleScale = 2;
constexpr int kMaxTickCount = 1000;  // more is never useful; bounds nice_ticks() work
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The title's words broken into lines no wider than width at scale, or empty
// when a single word is wider than that.
std::vector<std::string> wrap_words(const std::string& title, int scale, int width) {
  std::vector<std::string> lines;
  std::istringstream words(title);
  std::string word;
  while (words >> word) {
    if (Canvas::text_width(word, scale) > width) return {};
    if (!lines.empty() && Canvas::text_width(lines.back() + " " + word, scale) <= width) {
      lines.back() += " " + word;
    } else {
      lines.push_back(word);
    }
  }
  return lines;
}

// Linear map of the data interval [lo, hi] onto pixel offsets [0, pixels - 1]
// of the data area; y axes are flipped because pixel rows grow downwards.
struct AxisMap {
  double lo, hi;
  int pixels;
  bool flipped;
  double operator()(double v) const {
    const double offset = (v - lo) / (hi - lo) * (pixels - 1);
    return flipped ? (pixels - 1) - offset : offset;
  }
};

int max_label_width(const std::vector<std::string>& labels) {
  int widest = 0;
  for (const auto& label : labels) widest = std::max(widest, Canvas::text_width(label));
  return widest;
}

// A constant range cannot be mapped; widen it around the value.
void pad_degenerate_range(double& lo, double& hi) {
  if (lo < hi) return;
  const double pad = lo == 0.0 ? 1.0 : std::abs(lo) * 0.1;
  lo -= pad, hi += pad;
}

struct PlotPoint {
  double x, y;  // NaN marks a gap that breaks the polyline
};

// Series in plot space (log10 applied for log axes) with gaps marked by NaN.
std::vector<PlotPoint> to_plot_space(const Series& series, bool log_x, bool log_y) {
  const std::size_t count =
      series.x.empty() ? series.y.size() : std::min(series.x.size(), series.y.size());
  std::vector<PlotPoint> points(count);
  for (std::size_t i = 0; i < count; ++i) {
    double x = series.x.empty() ? static_cast<double>(i) : series.x[i];
    double y = series.y[i];
    if (log_x) x = x > 0.0 ? std::log10(x) : kNaN;
    if (log_y) y = y > 0.0 ? std::log10(y) : kNaN;
    const bool valid = std::isfinite(x) && std::isfinite(y);
    points[i] = valid ? PlotPoint{x, y} : PlotPoint{kNaN, kNaN};
  }
  return points;
}

bool is_gap(const PlotPoint& p) { return std::isnan(p.x); }

// Decade ticks for a log axis whose range [lo, hi] is in log10 units (the
// powers of ten inside it); thinned to at most max_ticks.
std::vector<double> decade_ticks(double lo, double hi, int max_ticks) {
  const double decades = hi - lo + 1;
  const double stride = std::max(1.0, std::ceil(decades / std::max(max_ticks, 1)));
  std::vector<double> ticks;
  for (double d = std::ceil(lo / stride) * stride; d <= hi; d += stride) ticks.push_back(d);
  return ticks;
}

// Ticks of one axis as pixel offsets inside the data area, with labels.
struct AxisTicks {
  std::vector<double> pixels;
  std::vector<std::string> labels;
};

// `values` are in plot space; log_labels labels a log10 axis by 10^value.
AxisTicks place_ticks(const std::vector<double>& values, const AxisMap& map,
                      bool log_labels = false) {
  AxisTicks ticks;
  for (double v : values) {
    if (!std::isfinite(map(v))) continue;  // only when hi - lo overflows a double
    ticks.pixels.push_back(map(v));
    ticks.labels.push_back(format_tick(log_labels ? std::pow(10.0, v) : v));
  }
  return ticks;
}

void draw_grid(Canvas& area, const AxisTicks& x, const AxisTicks& y) {
  for (double px : x.pixels) area.draw_line(px, 0, px, area.height() - 1, kGridColor);
  for (double py : y.pixels) area.draw_line(0, py, area.width() - 1, py, kGridColor);
}

// Tick marks just outside the bottom and left edges of the data area `rect`,
// with x labels centred below and y labels right-aligned to the left.
void draw_ticks(Canvas& canvas, const PixelRect& rect, const AxisTicks& x, const AxisTicks& y,
                Rgb tick_color) {
  const int below = rect.top + rect.height + 1;
  for (std::size_t i = 0; i < x.pixels.size(); ++i) {
    const int px = rect.left + static_cast<int>(std::lround(x.pixels[i]));
    canvas.fill_rect(px, below, 1, kTickLength, tick_color);
    canvas.draw_text(px - Canvas::text_width(x.labels[i]) / 2, below + kTickLength + 3,
                     x.labels[i], kTextColor);
  }
  for (std::size_t i = 0; i < y.pixels.size(); ++i) {
    const int py = rect.top + static_cast<int>(std::lround(y.pixels[i]));
    const int tick_left = rect.left - 1 - kTickLength;
    canvas.fill_rect(tick_left, py, kTickLength, 1, tick_color);
    canvas.draw_text(tick_left - 3 - Canvas::text_width(y.labels[i]),
                     py - Canvas::kCapHeight / 2, y.labels[i], kTextColor);
  }
}

std::vector<std::string> legend_labels(const std::vector<Series>& series) {
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < series.size(); ++i) {
    labels.push_back(series[i].label.empty() ? "series " + std::to_string(i + 1) : series[i].label);
  }
  return labels;
}

constexpr int kLegendSampleLength = 20;
constexpr int kLegendGap = 6;

int legend_row_height() { return Canvas::text_height() + kLegendGap; }

// The legend box's width and height for these labels.
std::pair<int, int> legend_size(const std::vector<std::string>& labels) {
  return {kLegendGap + kLegendSampleLength + kLegendGap + max_label_width(labels) + kLegendGap,
          static_cast<int>(labels.size()) * legend_row_height() + kLegendGap};
}

// The corner of the data area (`area`, curves drawn) where a box of this
// size hides the fewest curve pixels: top-right unless a curve runs there
// (a falling loss, a rising accuracy), then top-left, bottom-right,
// bottom-left. Returns the box's top-left in the area's coordinates.
std::pair<int, int> legend_corner(const Canvas& area, const std::vector<Series>& series, int width, int height) {
  const int right = std::max(0, area.width() - width - kPadding);
  const int bottom = std::max(0, area.height() - height - kPadding);
  const std::pair<int, int> corners[] = {{right, kPadding}, {kPadding, kPadding}, {right, bottom}, {kPadding, bottom}};
  std::pair<int, int> best = corners[0];
  int fewest = std::numeric_limits<int>::max();
  for (const auto& [left, top] : corners) {
    int hidden = 0;
    for (int y = top; y < std::min(area.height(), top + height); ++y) {
      for (int x = left; x < std::min(area.width(), left + width); ++x) {
        const Rgb pixel = area.pixel(x, y);
        hidden += std::any_of(series.begin(), series.end(), [&](const Series& s) { return s.color == pixel; });
      }
    }
    if (hidden < fewest) fewest = hidden, best = {left, top};
  }
  return best;
}

// One row per series, labelled by `labels` (legend_labels), in a box whose
// top-left corner is (box_left, box_top).
void draw_legend(Canvas& canvas, const std::vector<Series>& series, const std::vector<std::string>& labels,
                 int box_left, int box_top) {
  const auto [box_width, box_height] = legend_size(labels);
  canvas.fill_rect(box_left, box_top, box_width, box_height, kWhite);
  canvas.draw_rect(box_left, box_top, box_width, box_height, kLegendBorder);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const int row_top = box_top + kLegendGap + static_cast<int>(i) * legend_row_height();
    const double middle = row_top + Canvas::kCapHeight / 2;  // centred on the capitals
    canvas.draw_line(box_left + kLegendGap, middle, box_left + kLegendGap + kLegendSampleLength - 1, middle,
                     series[i].color, std::clamp(series[i].thickness, 1, kLegendGap));
    canvas.draw_text(box_left + 2 * kLegendGap + kLegendSampleLength, row_top, labels[i], kTextColor);
  }
}

// Shared geometry of the scatter plot so render_scatter_plot() and
// scatter_plot_area() can never disagree.
struct ScatterLayout {
  PixelRect area;
  AxisTicks x_ticks, y_ticks;
};

ScatterLayout scatter_layout(const ScatterPlotOptions& options) {
  if (options.size <= 0) throw std::invalid_argument("render_scatter_plot: size must be positive");
  auto valid = [](double lo, double hi) { return std::isfinite(hi - lo) && lo < hi; };
  if (!valid(options.x_min, options.x_max) || !valid(options.y_min, options.y_max)) {
    throw std::invalid_argument("render_scatter_plot: ranges must be finite with min < max");
  }
  // About one tick per 60 px keeps labels like "-2.5" from touching.
  const int max_ticks = std::max(2, options.size / 60);
  const std::vector<double> x_values = nice_ticks(options.x_min, options.x_max, max_ticks);
  const std::vector<double> y_values = nice_ticks(options.y_min, options.y_max, max_ticks);
  std::vector<std::string> y_labels;
  for (double t : y_values) y_labels.push_back(format_tick(t));
  const int left = kPadding + max_label_width(y_labels) + 3 + kTickLength + 1;
  const int top = kPadding + draw_plot_title(nullptr, options.title, options.size);
  const int bottom = 1 + kTickLength + 3 + Canvas::text_height() + kPadding;
  const int right = kPadding + 6;  // room for half of the last x tick label
  const int available_w = options.size - left - right;
  const int available_h = options.size - top - bottom;
  // A square data area keeps 2-D samples free of aspect distortion.
  const int side = std::max(1, std::min(available_w, available_h));
  ScatterLayout layout;
  layout.area = PixelRect{left + std::max(0, (available_w - side) / 2), top, side, side};
  layout.x_ticks = place_ticks(x_values, AxisMap{options.x_min, options.x_max, side, false});
  layout.y_ticks = place_ticks(y_values, AxisMap{options.y_min, options.y_max, side, true});
  return layout;
}

}  // namespace

int draw_plot_title(Canvas* canvas, const std::string& title, int canvas_width) {
  if (title.empty()) return 0;
  const int usable = canvas_width - 2 * kPadding;
  int scale = kTitleScale;
  std::vector<std::string> lines = wrap_words(title, scale, usable);
  if (lines.empty() || lines.size() > 2) {
    scale = 1;
    lines = wrap_words(title, scale, usable);
    if (lines.empty()) lines = {title};
  }
  const int line_height = Canvas::text_height(scale) + scale * 2;
  for (size_t i = 0; i < lines.size() && canvas != nullptr; ++i) {
    const int x = (canvas_width - Canvas::text_width(lines[i], scale)) / 2;
    canvas->draw_text(x, kPadding + static_cast<int>(i) * line_height, lines[i], kTextColor, scale);
  }
  return static_cast<int>(lines.size()) * line_height - scale * 2 + kPadding;
}

std::vector<double> nice_ticks(double lo, double hi, int max_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || max_ticks < 1) return {};
  if (lo > hi) std::swap(lo, hi);
  if (lo == hi) return {lo};
  max_ticks = std::min(max_ticks, kMaxTickCount);
  const double range = hi - lo;
  if (!std::isfinite(range)) return {lo, hi};  // spans most of the double range
  // Tolerance in units of the step so bounds like 0.3 (= 2.999.. * 0.1) count.
  constexpr double kEpsilon = 1e-9;
  const int kMantissas[] = {1, 2, 5};
  // Start a decade below the step that would give max_ticks ticks, so the
  // first candidate always yields at least one tick.
  int exponent = static_cast<int>(std::floor(std::log10(range / max_ticks))) - 1;
  double prev_first = 0;
  int prev_mantissa = 1, prev_exponent = exponent;
  auto tick_value = [lo, hi](double index, int mantissa, int exp10) {
    // Dividing by an exact power of ten keeps 0.02 etc. correctly rounded.
    const double value = exp10 >= 0 ? index * mantissa * std::pow(10.0, exp10)
                                    : index * mantissa / std::pow(10.0, -exp10);
    return std::clamp(value, lo, hi) + 0.0;  // + 0.0 turns -0 into 0
  };
  // Terminates: once the step exceeds the range at most one tick is left.
  for (;; ++exponent) {
    for (int mantissa : kMantissas) {
      const double step = mantissa * std::pow(10.0, exponent);
      const double first = std::ceil(lo / step - kEpsilon);
      const double last = std::floor(hi / step + kEpsilon);
      const double count = last - first + 1;
      if (count > max_ticks) {
        prev_first = first, prev_mantissa = mantissa, prev_exponent = exponent;
        continue;
      }
      // A step can jump from two ticks in range to none; that only matters
      // for max_ticks == 1, where the first tick of the previous step is kept.
      if (count < 1) return {tick_value(prev_first, prev_mantissa, prev_exponent)};
      std::vector<double> ticks;
      for (double i = first; i <= last; ++i) ticks.push_back(tick_value(i, mantissa, exponent));
      return ticks;
    }
  }
}

std::string format_tick(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0.0) return "0";
  const double magnitude = std::abs(value);
  char buffer[64];
  auto matches = [](const char* text, double target) {
    return std::abs(std::strtod(text, nullptr) - target) <= 1e-9 * std::abs(target);
  };
  if (magnitude >= 0.01 && magnitude < 1e6) {
    // Fewest decimals that still represent the value: "2500", "0.05", "1.5";
    // longer results would crowd the axis.
    for (int decimals = 0; decimals <= 4; ++decimals) {
      const int length = std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
      if (length <= 7 && matches(buffer, value)) return buffer;
    }
  }
  // Exponent form with a short mantissa: "1e-3", "2.5e-4", "1e6"; also the
  // fallback for values that are not round (1.23e5 instead of 123456.7). printf
  // does the rounding (9.999e-4 -> "1.00e-03"); zeros and "+0" are trimmed.
  std::snprintf(buffer, sizeof(buffer), "%.2e", value);
  const std::string text = buffer;
  const std::size_t e = text.find('e');
  std::string mantissa = text.substr(0, e);
  mantissa.erase(mantissa.find_last_not_of('0') + 1);
  if (mantissa.back() == '.') mantissa.pop_back();
  return mantissa + "e" + std::to_string(std::atoi(text.c_str() + e + 1));
}

Canvas render_line_plot(const std::vector<Series>& series, const LinePlotOptions& options) {
  Canvas canvas(options.width, options.height, kWhite);  // validates the size

  std::vector<std::vector<PlotPoint>> plotted;
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = -x_lo;
  for (const auto& s : series) {
    plotted.push_back(to_plot_space(s, options.log_x, options.log_y));
    for (const auto& p : plotted.back()) {
      if (is_gap(p)) continue;
      x_lo = std::min(x_lo, p.x), x_hi = std::max(x_hi, p.x);
      y_lo = std::min(y_lo, p.y), y_hi = std::max(y_hi, p.y);
    }
  }
  if (!(x_lo <= x_hi)) x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;  // no finite point at all
  pad_degenerate_range(x_lo, x_hi);
  if (options.log_x) {
    const double margin = 0.03 * (x_hi - x_lo);  // end points stay visible
    x_lo -= margin, x_hi += margin;
  }
  if (options.log_y) {
    // Whole decades so the axis always starts and ends on a labelled power of ten.
    y_lo = std::floor(y_lo), y_hi = std::ceil(y_hi);
    if (y_lo == y_hi) y_lo -= 1, y_hi += 1;
  } else if (y_lo == y_hi) {
    pad_degenerate_range(y_lo, y_hi);
  } else {
    const double margin = 0.05 * (y_hi - y_lo);  // keep curves off the frame
    y_lo -= margin, y_hi += margin;
  }

  // Vertical layout does not depend on label widths, so it comes first; the
  // y tick labels then decide the left margin.
  const int text_h = Canvas::text_height();
  const int top = kPadding + draw_plot_title(nullptr, options.title, options.width) + kPadding;
  const int bottom = 1 + kTickLength + 3 + text_h + (options.x_label.empty() ? 0 : 6 + text_h) +
                     kPadding;
  const int plot_h = std::max(1, options.height - top - bottom);
  // Tick density: about one per 40 px vertically and 70 px horizontally (x
  // labels are wider), but at least three so narrow plots still get a scale.
  const int max_y_ticks = std::max(3, plot_h / 40);
  const AxisMap to_py{y_lo, y_hi, plot_h, true};
  const AxisTicks y_axis = place_ticks(options.log_y ? decade_ticks(y_lo, y_hi, max_y_ticks)
                                                     : nice_ticks(y_lo, y_hi, max_y_ticks),
                                       to_py, options.log_y);
  const int left = kPadding + (options.y_label.empty() ? 0 : text_h + 6) +
                   max_label_width(y_axis.labels) + 3 + kTickLength + 1;
  const int right = 3 * kPadding;  // room for half of the last x tick label
  const int plot_w = std::max(1, options.width - left - right);
  const AxisMap to_px{x_lo, x_hi, plot_w, false};
  const int max_x_ticks = std::max(3, plot_w / 70);
  const AxisTicks x_axis = place_ticks(options.log_x ? decade_ticks(x_lo, x_hi, max_x_ticks)
                                                     : nice_ticks(x_lo, x_hi, max_x_ticks),
                                       to_px, options.log_x);

  // Grid and curves go on a separate canvas the size of the data area so the
  // blit clips them to it for free.
  Canvas area(plot_w, plot_h, kWhite);
  draw_grid(area, x_axis, y_axis);
  for (std::size_t s = 0; s < series.size(); ++s) {
    const auto& points = plotted[s];
    const int thickness = std::max(1, series[s].thickness);
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (is_gap(points[i])) continue;
      const bool prev_valid = i > 0 && !is_gap(points[i - 1]);
      const bool next_valid = i + 1 < points.size() && !is_gap(points[i + 1]);
      if (next_valid) {
        area.draw_line(to_px(points[i].x), to_py(points[i].y), to_px(points[i + 1].x),
                       to_py(points[i + 1].y), series[s].color, thickness);
      }
      if (series[s].markers) {
        area.draw_circle(to_px(points[i].x), to_py(points[i].y), 2.0 + 0.5 * thickness, series[s].color);
      } else if (!prev_valid && !next_valid) {  // isolated point: a dot, or it would be invisible
        area.draw_circle(to_px(points[i].x), to_py(points[i].y), 1.0 + 0.5 * thickness,
                         series[s].color);
      }
    }
  }
  canvas.blit(area, left, top);

  // Axes sit just outside the data area (left and bottom).
  canvas.fill_rect(left - 1, top, 1, plot_h + 1, kAxisColor);
  canvas.fill_rect(left - 1, top + plot_h, plot_w + 1, 1, kAxisColor);
  draw_ticks(canvas, PixelRect{left, top, plot_w, plot_h}, x_axis, y_axis, kAxisColor);

  draw_plot_title(&canvas, options.title, options.width);
  if (!options.x_label.empty()) {
    canvas.draw_text(left + (plot_w - Canvas::text_width(options.x_label)) / 2,
                     options.height - kPadding - text_h, options.x_label, kTextColor);
  }
  if (!options.y_label.empty()) {
    canvas.draw_text_vertical(kPadding, top + (plot_h - Canvas::text_width(options.y_label)) / 2,
                              options.y_label, kTextColor);
  }

  const bool any_label = std::any_of(series.begin(), series.end(),
                                     [](const Series& s) { return !s.label.empty(); });
  if (series.size() > 1 || any_label) {
    const std::vector<std::string> labels = legend_labels(series);
    const auto [width, height] = legend_size(labels);
    const auto [box_left, box_top] = legend_corner(area, series, width, height);
    draw_legend(canvas, series, labels, left + box_left, top + box_top);
  }
  return canvas;
}

PixelRect scatter_plot_area(const ScatterPlotOptions& options) {
  return scatter_layout(options).area;
}

Canvas render_scatter_plot(const std::vector<double>& x, const std::vector<double>& y,
                           const ScatterPlotOptions& options) {
  const ScatterLayout layout = scatter_layout(options);
  const PixelRect& rect = layout.area;
  Canvas canvas(options.size, options.size, kWhite);
  const AxisMap to_px{options.x_min, options.x_max, rect.width, false};
  const AxisMap to_py{options.y_min, options.y_max, rect.height, true};

  // Points go on a data-area canvas so discs at the border are clipped to it.
  Canvas area(rect.width, rect.height, kWhite);
  draw_grid(area, layout.x_ticks, layout.y_ticks);
  const std::size_t count = std::min(x.size(), y.size());
  for (std::size_t i = 0; i < count; ++i) {
    // The negated comparisons also reject NaN.
    if (!(x[i] >= options.x_min && x[i] <= options.x_max)) continue;
    if (!(y[i] >= options.y_min && y[i] <= options.y_max)) continue;
    area.draw_circle(to_px(x[i]), to_py(y[i]), options.point_radius, options.color);
  }
  canvas.blit(area, rect.left, rect.top);
  canvas.draw_rect(rect.left - 1, rect.top - 1, rect.width + 2, rect.height + 2, kFrameColor);
  draw_ticks(canvas, rect, layout.x_ticks, layout.y_ticks, kFrameColor);
  draw_plot_title(&canvas, options.title, options.size);
  return canvas;
}

}  // namespace diffuse
