// diffuse bench denoise: diffusion denoisers against Gaussian blur and non-local means.
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

#include <torch/torch.h>

#include "commands.h"
#include "common_options.h"
#include "diffuse/apps/classical_denoisers.h"
#include "diffuse/apps/denoise_benchmark.h"
#include "diffuse/data/labelled_images.h"
#include "diffuse/io/atomic_file.h"
#include "diffuse/io/contact_sheet.h"
#include "diffuse/io/grid.h"
#include "diffuse/io/image.h"
#include "diffuse/util/error.h"
#include "diffuse/util/format.h"
#include "diffuse/util/progress.h"
#include "option_checks.h"
#include "restoration.h"

namespace diffuse::cli {

namespace {

struct BenchDenoiseArguments {
  std::string run, data, out, sigmas = "25,50,75,100", methods = "posterior,ddim,ddpm";
  int64_t num = 500, tune_num = 100, steps = 20, ddpm_samples = 8, batch_size = 250, example_images = 2;
  uint64_t seed = 0;
  bool no_nlm = false, no_ema = false, quiet = false;
};

bool is_diffusion(const std::string& method) {
  const std::vector<std::string> names = denoise_method_names();
  return std::find(names.begin(), names.end(), method) != names.end();
}

// Methods down, noise levels across: "PSNR / SSIM", then the margin of the
// best diffusion method over the best non-local means.
std::string markdown_table(const DenoiseBenchmarkResult& result, const std::vector<double>& sigmas, int64_t images) {
  std::vector<std::string> methods;
  std::map<std::pair<std::string, double>, DenoiseScore> by_cell;
  for (const DenoiseScore& score : result.scores) {
    if (std::find(methods.begin(), methods.end(), score.method) == methods.end()) methods.push_back(score.method);
    by_cell[{score.method, score.sigma}] = score;
  }
  std::ostringstream table;
  table << "PSNR (dB) / SSIM, mean over " << images << " test images; noise std in 0-255 pixel units\n\n| method |";
  for (double sigma : sigmas) table << " sigma " << format_fixed(sigma, 0) << " |";
  table << " ms per image |\n|---|";
  for (size_t i = 0; i <= sigmas.size(); ++i) table << "---|";
  table << "\n";
  for (const std::string& method : methods) {
    table << "| " << method << " |";
    double milliseconds = 0.0;
    for (double sigma : sigmas) {
      const DenoiseScore& score = by_cell[{method, sigma}];
      table << " " << format_fixed(score.psnr, 2) << " / " << format_fixed(score.ssim, 3) << " |";
      milliseconds += 1000.0 * score.seconds_per_image / static_cast<double>(sigmas.size());
    }
    table << " " << (method == "noisy input" ? "" : format_fixed(milliseconds, 2)) << " |\n";
  }
  bool comparable = false;
  std::ostringstream margin;
  margin << "| best diffusion - best non-local means |";
  for (double sigma : sigmas) {
    double diffusion = -1e300, nonlocal = -1e300;
    for (const DenoiseScore& score : result.scores) {
      if (score.sigma != sigma) continue;
      if (is_diffusion(score.method)) diffusion = std::max(diffusion, score.psnr);
      if (score.method.rfind("non-local means", 0) == 0) nonlocal = std::max(nonlocal, score.psnr);
    }
    comparable = comparable || (diffusion > -1e300 && nonlocal > -1e300);
    margin << " " << (diffusion > -1e300 && nonlocal > -1e300 ? (diffusion >= nonlocal ? "+" : "") +
                                                                   format_fixed(diffusion - nonlocal, 2) + " dB"
                                                             : "")
           << " |";
  }
  if (comparable) table << margin.str() << " |\n";
  return table.str();
}

std::string csv_table(const DenoiseBenchmarkResult& result) {
  std::ostringstream csv;
  csv << "method,sigma,setting,psnr,psnr_standard_error,ssim,ms_per_image\n";
  for (const DenoiseScore& score : result.scores) {
    csv << score.method << "," << score.sigma << ",\"" << score.setting << "\"," << format_fixed(score.psnr, 4) << ","
        << format_fixed(score.psnr_standard_error, 4) << "," << format_fixed(score.ssim, 5) << ","
        << format_fixed(1000.0 * score.seconds_per_image, 4) << "\n";
  }
  return csv.str();
}

// Rows: each example image at each noise level; columns: clean, then every method.
Canvas examples_picture(const DenoiseBenchmarkResult& result, const std::string& title) {
  std::vector<std::vector<Canvas>> cells;
  std::vector<std::string> rows, columns{"clean"};
  const auto picture = [](const torch::Tensor& pixels) { return to_display_canvas(data_from_pixels(pixels), 84); };
  for (const auto& output : result.examples.front().outputs) columns.push_back(output.first);
  for (const DenoiseExample& example : result.examples) {
    for (int64_t i = 0; i < example.clean.size(0); ++i) {
      rows.push_back("sigma " + format_fixed(example.sigma, 0));
      std::vector<Canvas> row{picture(example.clean[i])};
      for (const auto& output : example.outputs) row.push_back(picture(output.second[i]));
      cells.push_back(row);
    }
  }
  return render_contact_sheet(cells, rows, columns, title);
}

void run_bench_denoise(const BenchDenoiseArguments& args) {
  DenoiseBenchmarkOptions options;
  options.sigmas.clear();
  for (int64_t sigma : parse_int_list(args.sigmas, "--sigma")) {
    check(sigma > 0, "--sigma: noise levels must be > 0");
    options.sigmas.push_back(static_cast<double>(sigma));
  }
  options.methods = parse_denoise_methods(args.methods);
  options.steps = args.steps;
  options.ddpm_samples = args.ddpm_samples;
  options.batch_size = args.batch_size;
  options.seed = args.seed;
  options.nonlocal_means = !args.no_nlm;
  options.example_images = args.example_images;
  if (!args.no_nlm && !nonlocal_means_available()) {
    std::fprintf(stderr, "note: this build has no OpenCV photo module; the non-local means baseline is left out "
                         "(apt-get install libopencv-photo-dev, then rebuild)\n");
  }
  if (!args.out.empty()) std::filesystem::create_directories(args.out);

  RestorationArguments restoration;  // the model as denoise loads it: default tiling, fp32, CPU
  restoration.run = args.run;
  restoration.no_ema = args.no_ema;
  const RestorationModel model = load_restoration_model(restoration);
  const std::string test_spec = with_split(args.data, Split::kTest);
  const bool test_is_test = test_spec.size() >= 5 && test_spec.compare(test_spec.size() - 5, 5, ":test") == 0;
  const std::string tune_spec = test_spec.substr(0, test_spec.rfind(':')) + (test_is_test ? ":train" : ":test");
  const LabelledImages test = load_labelled_images(test_spec, Split::kTest);
  const LabelledImages tune = load_labelled_images(tune_spec, Split::kTrain);
  check(test.images.size(1) == model.channels, args.data + " has " + std::to_string(test.images.size(1)) +
                                                   "-channel images, the model in " + args.run + " makes " +
                                                   std::to_string(model.channels) + "-channel ones");
  const torch::Tensor test_images = test.images.slice(0, 0, args.num);
  const torch::Tensor tune_images = tune.images.slice(0, 0, args.tune_num);
  std::printf("%lld test images from %s, %lld tuning images from %s, sigma %s\n",
              static_cast<long long>(test_images.size(0)), test_spec.c_str(),
              static_cast<long long>(tune_images.size(0)), tune_spec.c_str(), args.sigmas.c_str());

  std::unique_ptr<ProgressBar> bar;
  std::string stage;
  if (!args.quiet) {
    options.progress = [&](const std::string& now, int64_t done, int64_t total) {
      if (now != stage || !bar) {
        if (bar) bar->finish();
        bar = std::make_unique<ProgressBar>(now, total, done);  // rate from the first report on
        stage = now;
      }
      bar->update(done);
    };
  }
  const DenoiseBenchmarkResult result = run_denoise_benchmark(*model.denoiser, test_images, tune_images, options);
  if (bar) bar->finish();

  const std::string table = markdown_table(result, options.sigmas, test_images.size(0));
  std::printf("\n%s\n", table.c_str());
  if (args.out.empty()) {
    std::printf("(add --out DIR for denoise.csv, denoise.md and a picture)\n");
    return;
  }
  const std::filesystem::path out(args.out);
  write_file_atomically((out / "denoise.csv").string(), csv_table(result));
  write_file_atomically((out / "denoise.md").string(), table);
  save_png((out / "denoise.png").string(),
           examples_picture(result, "denoising " + test_spec + " with " + args.run + " (PSNR-tuned baselines)"));
  std::printf("wrote %s %s %s\n", (out / "denoise.csv").string().c_str(), (out / "denoise.md").string().c_str(),
              (out / "denoise.png").string().c_str());
}

}  // namespace

Command add_bench_denoise_command(CLI::App& bench) {
  auto args = std::make_shared<BenchDenoiseArguments>();
  CLI::App* command = bench.add_subcommand(
      "denoise", "Denoise held-out images at several noise levels with the diffusion methods and with classical "
                 "baselines (Gaussian blur, non-local means); PSNR, SSIM and a picture");
  command->add_option("--run", args->run, "run directory of an image model")->required();
  command->add_option("--data", args->data, "mnist[:DIR] or fashion-mnist[:DIR]: test images (tuning: the train split)")
      ->required();
  command->add_option("--out", args->out, "directory for denoise.csv, denoise.md and denoise.png");
  command->add_option("--sigma", args->sigmas, "comma-separated noise levels, 0-255 pixel units")->capture_default_str();
  command->add_option("--methods", args->methods, "comma-separated diffusion methods: posterior, ddim, ddpm")
      ->capture_default_str();
  command->add_option("--num", args->num, "test images")->check(positive())->capture_default_str();
  command->add_option("--tune-num", args->tune_num, "tuning images for the baselines' parameters")
      ->check(positive())
      ->capture_default_str();
  command->add_option("--steps", args->steps, "ddim, ddpm: reverse steps from t*")->check(positive())->capture_default_str();
  command->add_option("--ddpm-samples", args->ddpm_samples, "ddpm: samples averaged per image")
      ->check(positive())
      ->capture_default_str();
  command->add_option("--batch-size", args->batch_size, "images per network evaluation")
      ->check(positive())
      ->capture_default_str();
  command->add_option("--example-images", args->example_images, "images per noise level in the picture")
      ->check(whole_number_in(1, 16))
      ->capture_default_str();
  add_seed_option(*command, args->seed, "seed of the noise");
  command->add_flag("--no-nlm", args->no_nlm, "leave out non-local means");
  command->add_flag("--no-ema", args->no_ema, "use the raw weights instead of the EMA weights");
  command->add_flag("--quiet", args->quiet, "no progress bars");
  return {command, [args] { run_bench_denoise(*args); }};
}

}  // namespace diffuse::cli
