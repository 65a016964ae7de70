// diffuse bench restore: the photo-restoration benchmarks of the field on a
// folder of test images (Set14, Set12, ...), per image and on average.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include <torch/torch.h>

#include "commands.h"
#include "common_options.h"
#include "diffuse/apps/sr_protocol.h"
#include "diffuse/data/image_folder.h"
#include "diffuse/io/atomic_file.h"
#include "diffuse/io/image.h"
#include "diffuse/util/error.h"
#include "diffuse/util/format.h"
#include "diffuse/util/progress.h"
#include "option_checks.h"

namespace diffuse::cli {

namespace {

struct BenchRestoreArguments {
  std::string set, task = "upscale", scales = "2,3,4", kernel = "bicubic", out, grey;
  bool quiet = false;
};

struct RestoreScore {
  std::string image, method;
  int64_t scale = 0;
  double psnr = 0.0, megapixels = 0.0, seconds = 0.0;
};

std::string markdown_table(const std::vector<RestoreScore>& scores, const std::vector<int64_t>& scales,
                           const std::string& kernel) {
  std::vector<std::string> images, methods;
  for (const RestoreScore& s : scores) {
    if (std::find(images.begin(), images.end(), s.image) == images.end()) images.push_back(s.image);
    if (std::find(methods.begin(), methods.end(), s.method) == methods.end()) methods.push_back(s.method);
  }
  const auto find = [&](const std::string& image, const std::string& method, int64_t scale) -> const RestoreScore* {
    for (const RestoreScore& s : scores) {
      if (s.image == image && s.method == method && s.scale == scale) return &s;
    }
    return nullptr;
  };
  std::ostringstream table;
  table << "PSNR (dB) on the luma, " << kernel << " degradation, the scale's width of pixels shaved off each border\n\n"
        << "| image | method |";
  for (int64_t s : scales) table << " x" << s << " |";
  table << "\n|---|---|";
  for (size_t i = 0; i < scales.size(); ++i) table << "---|";
  table << "\n";
  for (const std::string& method : methods) {
    table << "| **mean of " << images.size() << "** | " << method << " |";
    for (int64_t s : scales) {
      double sum = 0.0;
      for (const std::string& image : images) sum += find(image, method, s)->psnr;
      table << " **" << format_fixed(sum / static_cast<double>(images.size()), 2) << "** |";
    }
    table << "\n";
  }
  for (const std::string& image : images) {
    for (const std::string& method : methods) {
      table << "| " << image << " | " << method << " |";
      for (int64_t s : scales) table << " " << format_fixed(find(image, method, s)->psnr, 2) << " |";
      table << "\n";
    }
  }
  table << "\n| method |";
  for (int64_t s : scales) table << " x" << s << " ms per megapixel |";
  table << "\n|---|";
  for (size_t i = 0; i < scales.size(); ++i) table << "---|";
  table << "\n";
  for (const std::string& method : methods) {
    table << "| " << method << " |";
    for (int64_t s : scales) {
      double seconds = 0.0, megapixels = 0.0;
      for (const std::string& image : images) {
        seconds += find(image, method, s)->seconds;
        megapixels += find(image, method, s)->megapixels;
      }
      table << " " << format_fixed(1000.0 * seconds / megapixels, 1) << " |";
    }
    table << "\n";
  }
  return table.str();
}

std::string csv_table(const std::vector<RestoreScore>& scores) {
  std::ostringstream csv;
  csv << "image,method,scale,psnr,megapixels,seconds\n";
  for (const RestoreScore& s : scores) {
    csv << s.image << "," << s.method << "," << s.scale << "," << format_fixed(s.psnr, 4) << ","
        << format_fixed(s.megapixels, 6) << "," << format_fixed(s.seconds, 6) << "\n";
  }
  return csv.str();
}

void run_bench_restore(const BenchRestoreArguments& args) {
  check(args.task == "upscale", "--task: only upscale is measured so far");
  const SrKernel kernel = sr_kernel_from_string(args.kernel);
  std::vector<int64_t> scales = parse_int_list(args.scales, "--scale");
  for (int64_t s : scales) check(s >= 2 && s <= 8, "--scale: scales must be 2 to 8");
  if (!args.out.empty()) {
    check_file_destination((std::filesystem::path(args.out) / "restore.md").string(), "--out", MissingFolders::kCreate);
  }
  const std::vector<std::string> files = list_image_files(args.set);
  check(!files.empty(), "--set " + args.set + ": no images (PNG, JPEG, BMP, ...) in it");
  std::vector<std::string> grey;
  std::stringstream grey_names(args.grey);
  for (std::string name; std::getline(grey_names, name, ',');) {
    const bool found = std::any_of(files.begin(), files.end(), [&](const std::string& file) {
      return std::filesystem::path(file).stem().string() == name;
    });
    check(found, "--grey: no image '" + name + "' in " + args.set);
    grey.push_back(name);
  }

  std::vector<RestoreScore> scores;
  std::unique_ptr<ProgressBar> bar;
  if (!args.quiet) bar = std::make_unique<ProgressBar>("images", static_cast<int64_t>(files.size()));
  for (size_t i = 0; i < files.size(); ++i) {
    torch::Tensor pixels = pixels_from_data(load_image(files[i])).round();
    const std::string name = std::filesystem::path(files[i]).stem().string();
    if (std::find(grey.begin(), grey.end(), name) != grey.end() && pixels.size(0) == 3) {
      check(torch::equal(pixels[0], pixels[1]) && torch::equal(pixels[0], pixels[2]),
            "--grey: " + files[i] + " is a colour image, not a grey one stored as RGB");
      pixels = pixels.slice(0, 0, 1);
    }
    for (int64_t s : scales) {
      const SrCase pair = make_sr_case(pixels, s, kernel);
      const auto start = std::chrono::steady_clock::now();
      const torch::Tensor restored = bicubic_upscale(pair.low_resolution, s);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      scores.push_back({name, "bicubic", s, sr_psnr(restored, pair.ground_truth, s),
                        static_cast<double>(pair.ground_truth.numel()) / 1e6, seconds});
    }
    if (bar) bar->update(static_cast<int64_t>(i) + 1);
  }
  if (bar) bar->finish();
  const std::string table = markdown_table(scores, scales, args.kernel);
  std::printf("\n%s\n", table.c_str());
  if (args.out.empty()) return;
  create_directories(args.out);
  const std::filesystem::path out(args.out);
  write_file_atomically((out / "restore.csv").string(), csv_table(scores));
  write_file_atomically((out / "restore.md").string(), table);
  std::printf("wrote %s %s\n", (out / "restore.csv").string().c_str(), (out / "restore.md").string().c_str());
}

}  // namespace

Command add_bench_restore_command(CLI::App& bench) {
  auto args = std::make_shared<BenchRestoreArguments>();
  CLI::App* command = bench.add_subcommand(
      "restore", "The photo-restoration benchmarks on a folder of test images (Set14, Set12, ...): PSNR on the luma "
                 "per image and on average, with the field's protocol (docs/restoration.md)");
  command->add_option("--set", args->set, "folder of test images, e.g. ../shared/data/natural/set14")->required();
  command->add_option("--task", args->task, "upscale: super-resolution of images degraded by --kernel at --scale")
      ->check(CLI::IsMember({"upscale"}))
      ->capture_default_str();
  command->add_option("--scale", args->scales, "comma-separated upscaling factors, 2 to 8")->capture_default_str();
  command->add_option("--kernel", args->kernel, "the degradation: bicubic (MATLAB's imresize) or box (s x s mean)")
      ->check(CLI::IsMember({"bicubic", "box"}))
      ->capture_default_str();
  command->add_option("--grey", args->grey, "comma-separated names of images that hold a grey photo as RGB, scored "
                                            "as grey (no luma conversion), as their original files were: bridge "
                                            "in Set14 (docs/restoration.md)");
  command->add_option("--out", args->out, "directory for restore.csv and restore.md");
  command->add_flag("--quiet", args->quiet, "no progress bar");
  return {command, [args] { run_bench_restore(*args); }};
}

}  // namespace diffuse::cli
