// diffuse bench restore: the photo-restoration benchmarks of the field on a
// folder of test images (Set14, Set12, ...), per image and on average.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <sstream>

#include <torch/torch.h>

#include "commands.h"
#include "common_options.h"
#include "diffuse/apps/classical_denoisers.h"
#include "diffuse/apps/denoise.h"
#include "diffuse/apps/noise_level.h"
#include "diffuse/apps/restoration_protocols.h"
#include "diffuse/apps/super_resolution.h"
#include "diffuse/noise.h"
#include "diffuse/data/image_folder.h"
#include "diffuse/io/atomic_file.h"
#include "diffuse/io/image.h"
#include "diffuse/util/error.h"
#include "diffuse/util/format.h"
#include "diffuse/util/progress.h"
#include "option_checks.h"
#include "restoration.h"
#include "upscale_settings.h"

namespace diffuse::cli {

namespace {

struct BenchRestoreArguments {
  std::string set, task = "upscale", scales = "2,3,4", kernel = "bicubic", out, grey;
  std::string sigmas = "15,25,50", tune, run, methods = "posterior";
  int64_t tune_num = 4, tile = 0, overlap = -1;  // overlap: as RestorationArguments
  UpscaleSettings upscale;  // with --run: how the model upscales (its seed is --seed)
  uint64_t seed = 0;
  bool no_ema = false, quiet = false, ensemble = false;
};

// One image restored at one setting (the scale, or the noise sigma).
struct RestoreScore {
  std::string image, method;
  int64_t setting = 0;
  double psnr = 0.0, megapixels = 0.0, seconds = 0.0;
};

std::string setting_label(const std::string& task, int64_t setting) {
  return task == "upscale" ? "x" + std::to_string(setting) : "sigma " + std::to_string(setting);
}

// Runs `restore` and scores its result, timing the restoration alone.
template <typename Restore>
RestoreScore timed_score(const std::string& image, const std::string& method, int64_t setting,
                         const torch::Tensor& truth, int64_t border, Restore restore) {
  const auto start = std::chrono::steady_clock::now();
  const torch::Tensor restored = restore();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {image, method, setting, psnr_8bit(restored, truth, border), static_cast<double>(truth.numel()) / 1e6,
          seconds};
}

std::string markdown_table(const std::vector<RestoreScore>& scores, const std::vector<int64_t>& settings,
                           const std::string& task, const std::string& title) {
  std::vector<std::string> images, methods;
  for (const RestoreScore& s : scores) {
    if (std::find(images.begin(), images.end(), s.image) == images.end()) images.push_back(s.image);
    if (std::find(methods.begin(), methods.end(), s.method) == methods.end()) methods.push_back(s.method);
  }
  const auto find = [&](const std::string& image, const std::string& method, int64_t setting) -> const RestoreScore* {
    for (const RestoreScore& s : scores) {
      if (s.image == image && s.method == method && s.setting == setting) return &s;
    }
    return nullptr;
  };
  std::ostringstream table;
  table << title << "\n\n| image | method |";
  for (int64_t s : settings) table << " " << setting_label(task, s) << " |";
  table << "\n|---|---|";
  for (size_t i = 0; i < settings.size(); ++i) table << "---|";
  table << "\n";
  for (const std::string& method : methods) {
    table << "| **mean of " << images.size() << "** | " << method << " |";
    for (int64_t s : settings) {
      double sum = 0.0;
      for (const std::string& image : images) sum += find(image, method, s)->psnr;
      table << " **" << format_fixed(sum / static_cast<double>(images.size()), 2) << "** |";
    }
    table << "\n";
  }
  for (const std::string& image : images) {
    for (const std::string& method : methods) {
      table << "| " << image << " | " << method << " |";
      for (int64_t s : settings) table << " " << format_fixed(find(image, method, s)->psnr, 2) << " |";
      table << "\n";
    }
  }
  table << "\n| method |";
  for (int64_t s : settings) table << " " << setting_label(task, s) << " ms per megapixel |";
  table << "\n|---|";
  for (size_t i = 0; i < settings.size(); ++i) table << "---|";
  table << "\n";
  for (const std::string& method : methods) {
    table << "| " << method << " |";
    for (int64_t s : settings) {
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
  csv << "image,method,setting,psnr,megapixels,seconds\n";
  for (const RestoreScore& s : scores) {
    csv << s.image << ",\"" << s.method << "\"," << s.setting << "," << format_fixed(s.psnr, 4) << ","
        << format_fixed(s.megapixels, 6) << "," << format_fixed(s.seconds, 6) << "\n";
  }
  return csv.str();
}

// The images of --set, those named by --grey reduced to their one channel.
std::vector<std::pair<std::string, torch::Tensor>> load_set(const std::string& set, const std::string& grey_list) {
  const std::vector<std::string> files = list_image_files(set);
  check(!files.empty(), "--set " + set + ": no images (PNG, JPEG, BMP, ...) in it");
  std::vector<std::string> grey;
  std::stringstream names(grey_list);
  for (std::string name; std::getline(names, name, ',');) {
    const bool found = std::any_of(files.begin(), files.end(), [&](const std::string& file) {
      return std::filesystem::path(file).stem().string() == name;
    });
    check(found, "--grey: no image '" + name + "' in " + set);
    grey.push_back(name);
  }
  std::vector<std::pair<std::string, torch::Tensor>> images;
  for (const std::string& file : files) {
    torch::Tensor pixels = pixels_from_data(load_image(file)).round().to(torch::kFloat64);
    const std::string name = std::filesystem::path(file).stem().string();
    if (std::find(grey.begin(), grey.end(), name) != grey.end() && pixels.size(0) == 3) {
      check(torch::equal(pixels[0], pixels[1]) && torch::equal(pixels[0], pixels[2]),
            "--grey: " + file + " is a colour image, not a grey one stored as RGB");
      pixels = pixels.slice(0, 0, 1);
    }
    images.emplace_back(name, pixels);
  }
  return images;
}

// Non-local means' h for each sigma: the best mean PSNR on the tuning images
// over h = sigma x (0.4, 0.5, ..., 1.6).
std::map<int64_t, double> tune_nonlocal_means(const std::vector<std::pair<std::string, torch::Tensor>>& tune,
                                              const std::vector<int64_t>& sigmas, std::uint64_t seed) {
  std::map<int64_t, double> best_h;
  for (int64_t sigma : sigmas) {
    double best = -1.0;
    for (int k = 4; k <= 16; ++k) {
      NonlocalMeansOptions options;
      options.h = static_cast<double>(sigma) * k / 10.0;
      double sum = 0.0;
      for (size_t i = 0; i < tune.size(); ++i) {
        const torch::Tensor noisy = add_benchmark_noise(tune[i].second, static_cast<double>(sigma), seed,
                                                        static_cast<int64_t>(i));
        sum += psnr_8bit(nonlocal_means(noisy.unsqueeze(0), options)[0], tune[i].second, 0);
      }
      if (sum > best) best = sum, best_h[sigma] = options.h;
    }
  }
  return best_h;
}

// What --ensemble adds to a method's name.
std::string ensemble_label(const BenchRestoreArguments& args) { return args.ensemble ? " x8 ensemble" : ""; }

// The model of --run, or null without one.
std::unique_ptr<RestorationModel> load_bench_model(const BenchRestoreArguments& args) {
  if (args.run.empty()) return nullptr;
  RestorationArguments restoration;
  restoration.run = args.run;
  restoration.no_ema = args.no_ema;
  restoration.tile = args.tile;
  restoration.overlap = args.overlap;
  restoration.ensemble = args.ensemble;
  return std::make_unique<RestorationModel>(load_restoration_model(restoration));
}

std::vector<RestoreScore> upscale_scores(const std::vector<std::pair<std::string, torch::Tensor>>& images,
                                         const std::vector<int64_t>& scales, const BenchRestoreArguments& args,
                                         const std::function<void()>& tick) {
  const SrKernel kernel = sr_kernel_from_string(args.kernel);
  const std::unique_ptr<RestorationModel> model = load_bench_model(args);
  // The protocol scores the luma, so the model restores one channel.
  check(!model || model->channels == 1, "--run with --task upscale: the benchmark restores and scores the luma, which "
                                        "needs a grey model (such as photo-grey); the model in " + args.run + " makes " +
                                            std::to_string(model ? model->channels : 0) + "-channel images");
  std::vector<UpscaleSettings> settings;
  if (model) {
    for (const std::string& method : parse_upscale_methods(args.methods)) {
      settings.push_back(args.upscale);
      settings.back().method = method;
      settings.back().seed = args.seed;
    }
  }
  std::vector<RestoreScore> scores;
  for (const auto& image : images) {
    const std::string& name = image.first;
    const torch::Tensor& pixels = image.second;  // a plain reference: lambdas capture it (not so a structured binding, before C++20)
    for (int64_t s : scales) {
      const SrCase pair = make_sr_case(pixels, s, kernel);
      scores.push_back(timed_score(name, "bicubic", s, pair.ground_truth, s,
                                   [&] { return bicubic_upscale(pair.low_resolution, s); }));
      for (const UpscaleSettings& setting : settings) {
        scores.push_back(timed_score(name, "diffusion " + setting.describe() + ensemble_label(args), s,
                                     pair.ground_truth, s, [&] {
                                       // A colour photo's luma spans 16-235; the grey model restores it stretched.
                                       return upscale_pixels(*model, pair.low_resolution.unsqueeze(0), s, kernel,
                                                             pixels.size(0) == 3, setting)[0];
                                     }));
      }
    }
    tick();
  }
  return scores;
}

std::vector<RestoreScore> denoise_scores(const std::vector<std::pair<std::string, torch::Tensor>>& images,
                                         const std::vector<int64_t>& sigmas, const BenchRestoreArguments& args,
                                         const std::function<void()>& tick) {
  std::map<int64_t, double> h;
  if (!args.tune.empty()) {
    auto tune = load_set(args.tune, "");
    tune.resize(std::min<size_t>(tune.size(), static_cast<size_t>(args.tune_num)));
    h = tune_nonlocal_means(tune, sigmas, derive_key(args.seed, 1));
  }
  const std::unique_ptr<RestorationModel> model = load_bench_model(args);
  const std::vector<DenoiseMethod> methods = model ? parse_denoise_methods(args.methods) : std::vector<DenoiseMethod>{};
  std::vector<RestoreScore> scores;
  for (size_t i = 0; i < images.size(); ++i) {
    const auto& [name, clean] = images[i];
    if (model) {
      check(clean.size(0) == model->channels, name + " has " + std::to_string(clean.size(0)) +
                                                   " channels, the model in " + args.run + " makes " +
                                                   std::to_string(model->channels));
    }
    for (int64_t sigma : sigmas) {
      const auto pixel_sigma = static_cast<double>(sigma);
      const torch::Tensor noisy = add_benchmark_noise(clean, pixel_sigma, args.seed, static_cast<int64_t>(i));
      scores.push_back(timed_score(name, "noisy input", sigma, clean, 0, [&] { return noisy; }));
      if (h.count(sigma)) {
        NonlocalMeansOptions options;
        options.h = h.at(sigma);
        scores.push_back(timed_score(name, "non-local means (8-bit, h tuned)", sigma, clean, 0,
                                     [&] { return nonlocal_means(noisy.unsqueeze(0), options)[0]; }));
      }
      for (DenoiseMethod method : methods) {
        DenoiseOptions options;
        options.sigma = data_sigma_from_pixels(pixel_sigma);
        options.method = method;
        options.seed = args.seed;
        scores.push_back(timed_score(name, to_string(method) + ensemble_label(args), sigma, clean, 0, [&] {
          const torch::Tensor input = data_from_pixels(noisy).to(torch::kFloat32).unsqueeze(0).to(model->device);
          return pixels_from_data(denoise(*model->denoiser, input, options).cpu().to(torch::kFloat64))[0];
        }));
      }
    }
    tick();
  }
  return scores;
}

void run_bench_restore(const BenchRestoreArguments& args) {
  const bool upscale = args.task == "upscale";
  const std::vector<int64_t> settings =
      parse_int_list(upscale ? args.scales : args.sigmas, upscale ? "--scale" : "--sigma");
  for (int64_t s : settings) {
    check(!upscale || (s >= 2 && s <= 8), "--scale: scales must be 2 to 8");
    check(upscale || (s >= 1 && s <= 255), "--sigma: noise levels must be 1 to 255");
  }
  check(upscale || args.tune.empty() || nonlocal_means_available(),
        "--tune: this build has no OpenCV photo module for non-local means (apt-get install libopencv-photo-dev)");
  if (!args.out.empty()) {
    check_file_destination((std::filesystem::path(args.out) / "restore.md").string(), "--out", MissingFolders::kCreate);
  }
  const auto images = load_set(args.set, args.grey);
  std::unique_ptr<ProgressBar> bar;
  if (!args.quiet) bar = std::make_unique<ProgressBar>("images", static_cast<int64_t>(images.size()));
  int64_t done = 0;
  const std::function<void()> tick = [&] {
    if (bar) bar->update(++done);
  };
  const std::vector<RestoreScore> scores =
      upscale ? upscale_scores(images, settings, args, tick) : denoise_scores(images, settings, args, tick);
  if (bar) bar->finish();
  const std::string title =
      upscale ? "PSNR (dB) on the luma, " + args.kernel +
                    " degradation, the scale's width of pixels shaved off each border"
              : "PSNR (dB) of the 8-bit result, Gaussian noise of std sigma (0-255 units) added in float, seed " +
                    std::to_string(args.seed);
  const std::string table = markdown_table(scores, settings, args.task, title);
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
  command->add_option("--task", args->task, "upscale: super-resolution of images degraded by --kernel at --scale; "
                                            "denoise: Gaussian noise of --sigma")
      ->check(CLI::IsMember({"upscale", "denoise"}))
      ->capture_default_str();
  command->add_option("--sigma", args->sigmas, "denoise: comma-separated noise levels, 0-255 units")->capture_default_str();
  command->add_option("--tune", args->tune, "denoise: folder of training photos to tune non-local means' h on "
                                            "(e.g. ../shared/data/natural/train400); without it, no such row");
  command->add_option("--tune-num", args->tune_num, "denoise: tuning photos (the folder's first)")
      ->check(whole_number_in(1, 1000))
      ->capture_default_str();
  CLI::Option* run = command->add_option("--run", args->run, "also the diffusion model of this image run: its denoiser (diffuse denoise) "
                                          "or, for upscale, a grey model as zero-shot solver (diffuse upscale)");
  command->add_option("--methods", args->methods, "with --run: comma-separated methods; denoise: posterior, ddim, "
                                                  "ddpm; upscale: posterior, sample")
      ->capture_default_str();
  add_upscale_settings_options(*command, args->upscale);
  command->add_flag("--no-ema", args->no_ema, "with --run: the raw weights instead of the EMA weights");
  add_overlap_option(*command, args->overlap);
  add_tile_option(*command, args->tile);
  add_ensemble_option(*command, args->ensemble);
  add_seed_option(*command, args->seed, "seed of the noise (denoise) and of the sampling (upscale with --run)");
  command->add_option("--scale", args->scales, "comma-separated upscaling factors, 2 to 8")->capture_default_str();
  command->add_option("--kernel", args->kernel, "the degradation: bicubic (MATLAB's imresize) or box (s x s mean)")
      ->check(CLI::IsMember({"bicubic", "box"}))
      ->capture_default_str();
  command->add_option("--grey", args->grey, "comma-separated names of images that hold a grey photo as RGB, scored "
                                            "as grey (no luma conversion), as their original files were: bridge "
                                            "in Set14 (docs/restoration.md)");
  command->add_option("--out", args->out, "directory for restore.csv and restore.md");
  command->add_flag("--quiet", args->quiet, "no progress bar");
  for (const char* name : {"--methods", "--sampler", "--steps", "--no-ema", "--overlap", "--tile", "--ensemble", "--strength"}) {
    command->get_option(name)->needs(run);
  }
  return {command, [args, command] {
            // Options of the other task would be ignored: say so instead.
            const auto only_for = [&](const std::string& task, std::initializer_list<const char*> names) {
              for (const char* name : names) {
                check(args->task == task || command->count(name) == 0,
                      std::string(name) + " applies to --task " + task + ", not " + args->task);
              }
            };
            only_for("upscale", {"--scale", "--kernel", "--sampler", "--steps", "--strength"});
            only_for("denoise", {"--sigma", "--tune", "--tune-num"});
            if (args->task == "upscale") check_sample_only_options(*command, parse_upscale_methods(args->methods));
            run_bench_restore(*args);
          }};
}

}  // namespace diffuse::cli
