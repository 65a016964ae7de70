#include "diffuse/io/sample_output.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include <torch/torch.h>

#include "diffuse/io/atomic_file.h"
#include "diffuse/io/grid.h"
#include "diffuse/io/image.h"
#include "diffuse/io/plot.h"
#include "diffuse/util/error.h"
#include "diffuse/util/format.h"

namespace diffuse {

namespace {

bool is_points(const torch::Tensor& samples) { return samples.dim() == 2 && samples.size(1) == 2; }

bool names_directory(const std::string& out) {
  std::error_code error;
  return ends_with(out, "/") || std::filesystem::is_directory(out, error);
}

// Integer upscaling so a grid is at least ~256 pixels wide.
int64_t display_scale(int64_t image_size) { return std::clamp<int64_t>(96 / std::max<int64_t>(image_size, 1), 1, 4); }

Canvas scatter(const torch::Tensor& points, const std::string& title, int size) {
  ScatterPlotOptions options;
  options.title = title;
  options.size = size;
  return render_points(points, options);
}

}  // namespace

Canvas render_points(const torch::Tensor& points, const ScatterPlotOptions& options) {
  check(is_points(points), "cannot draw points of shape " + c10::str(points.sizes()) + " (expected [N, 2])");
  const torch::Tensor cpu = points.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  const auto* p = cpu.data_ptr<double>();
  std::vector<double> x(static_cast<size_t>(cpu.size(0))), y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = p[2 * i];
    y[i] = p[2 * i + 1];
  }
  return render_scatter_plot(x, y, options);
}

Canvas render_samples(const torch::Tensor& samples, const std::string& title) {
  if (is_points(samples)) return scatter(samples, title, 400);
  check(samples.dim() == 4, "cannot draw samples of shape " + c10::str(samples.sizes()) + " (expected images or 2-D points)");
  const torch::Tensor grid = upscale_nearest(make_grid(samples), display_scale(samples.size(3)));
  Canvas picture = to_canvas(grid);
  if (title.empty()) return picture;
  constexpr int kMargin = 6;
  const int title_h = Canvas::text_height(1) + 2 * kMargin;
  Canvas framed(std::max(picture.width(), Canvas::text_width(title, 1) + 2 * kMargin), picture.height() + title_h);
  framed.draw_text(kMargin, kMargin, title, {20, 20, 20}, 1);
  framed.blit(picture, 0, title_h);
  return framed;
}

void check_png_destination(const std::string& path, const std::string& option) {
  check(ends_with(path, ".png"), option + " " + path + ": expected a .png file");
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  check(parent.empty() || std::filesystem::is_directory(parent),
        option + " " + path + ": the folder " + parent.string() + " does not exist");
  check_file_destination(path, option);
}

void check_samples_destination(const std::string& out, bool points) {
  if (names_directory(out)) {
    check(!points, "--out " + out + ": one file per sample needs image samples; write 2-D points to a .csv or .png");
    check_file_destination((std::filesystem::path(out) / "sample_00000.png").string(), "--out", MissingFolders::kCreate);
    return;
  }
  check(ends_with(out, ".png") || ends_with(out, ".csv"),
        "--out " + out + ": expected a .png file, a .csv file or a directory ending in /");
  check_file_destination(out, "--out", MissingFolders::kCreate);
}

std::vector<std::string> write_samples(const std::string& out, const torch::Tensor& samples, const std::string& title,
                                       const PngText& text) {
  namespace fs = std::filesystem;
  check_samples_destination(out, is_points(samples));
  if (names_directory(out)) {
    create_directories(out);
    std::vector<std::string> paths;
    for (int64_t i = 0; i < samples.size(0); ++i) {
      std::ostringstream name;
      name << "sample_" << std::setw(5) << std::setfill('0') << i << ".png";
      paths.push_back((fs::path(out) / name.str()).string());
      save_png(paths.back(), samples[i], text);
    }
    return paths;
  }
  const fs::path parent = fs::path(out).parent_path();
  if (!parent.empty()) create_directories(parent.string());
  if (ends_with(out, ".csv")) {
    const torch::Tensor flat = samples.detach().to(torch::kCPU, torch::kFloat64).reshape({samples.size(0), -1}).contiguous();
    std::ostringstream csv;
    csv << std::setprecision(7);
    if (is_points(samples)) csv << "x,y\n";
    const auto* p = flat.data_ptr<double>();
    for (int64_t i = 0; i < flat.size(0); ++i) {
      for (int64_t j = 0; j < flat.size(1); ++j) csv << (j ? "," : "") << p[i * flat.size(1) + j];
      csv << "\n";
    }
    write_file_atomically(out, csv.str());
    return {out};
  }
  save_png(out, render_samples(samples, title), text);
  return {out};
}

Canvas render_trajectory(const torch::Tensor& frames, const std::vector<int64_t>& timesteps, const std::string& title) {
  std::vector<std::string> captions;
  for (int64_t t : timesteps) captions.push_back(t < 0 ? "x0" : "t=" + std::to_string(t));
  if (frames.dim() == 5) return render_strips(frames, captions, display_scale(frames.size(4)), title);
  check(frames.dim() == 3 && frames.size(2) == 2, "cannot draw a trajectory of shape " + c10::str(frames.sizes()));
  // 2-D points: one scatter plot per frame, side by side.
  constexpr int kPanel = 220, kMargin = 8;
  const int title_h = Canvas::text_height(2) + 2 * kMargin;
  Canvas canvas(static_cast<int>(frames.size(0)) * kPanel + 2 * kMargin, kPanel + title_h + kMargin);
  canvas.draw_text(kMargin, kMargin, title, {20, 20, 20}, 2);
  for (int64_t f = 0; f < frames.size(0); ++f) {
    canvas.blit(scatter(frames[f], captions[static_cast<size_t>(f)], kPanel), kMargin + static_cast<int>(f) * kPanel, title_h);
  }
  return canvas;
}

}  // namespace diffuse
