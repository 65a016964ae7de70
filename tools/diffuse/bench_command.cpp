// diffuse bench samplers: quality against cost for every sampler of a trained run.
#include <cstdio>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <memory>
#include <sstream>

#include <torch/torch.h>

#include "commands.h"
#include "common_options.h"
#include "option_checks.h"
#include "diffuse/data/data_spec.h"
#include "diffuse/data/labelled_images.h"
#include "diffuse/data/toy2d.h"
#include "diffuse/denoiser.h"
#include "diffuse/io/atomic_file.h"
#include "diffuse/io/contact_sheet.h"
#include "diffuse/io/grid.h"
#include "diffuse/io/image.h"
#include "diffuse/io/plot.h"
#include "diffuse/io/run_directory.h"
#include "diffuse/io/sample_output.h"
#include "diffuse/metrics/energy_distance.h"
#include "diffuse/metrics/sample_quality.h"
#include "diffuse/sampling/sampler_sweep.h"
#include "diffuse/trained_model.h"
#include "diffuse/util/error.h"
#include "diffuse/util/progress.h"

namespace diffuse::cli {

namespace {

struct BenchSamplersArguments {
  std::string run, out, samplers = "all", steps = "5,10,20,50,100,1000", spacing, features, ref, precision = "fp32";
  int64_t num = 2000, batch_size = 2000, picture_samples = 4;
  double temperature = 1.0;
  uint64_t seed = 0;
};

std::vector<std::string> split_names(const std::string& text) {
  if (text == "all") return sampler_names();
  std::vector<std::string> names;
  std::stringstream stream(text);
  for (std::string name; std::getline(stream, name, ',');) {
    make_sampler(name, NoiseSchedule::linear(2), {});  // unknown names fail here, before any work
    names.push_back(name);
  }
  check(!names.empty(), "--samplers: expected a comma-separated list of sampler names");
  return names;
}

// A picture of a result: a scatter plot of points, or a few images.
Canvas cell_picture(const torch::Tensor& samples, int64_t images) {
  if (samples.dim() == 2) {
    ScatterPlotOptions options;
    options.size = 200;
    options.point_radius = 0.7;
    return render_points(samples, options);
  }
  const torch::Tensor grid = make_grid(samples.slice(0, 0, images), images >= 4 ? images / 2 : images);
  return to_canvas(upscale_nearest(grid, grid.size(-1) < 100 ? 2 : 1));
}

const std::vector<Rgb> kPalette{{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189}, {140, 86, 75}};

// What each sample set is measured by: the energy distance to toy data, the
// feature-space metrics for images when a feature network is given, or nothing.
struct QualityMeasure {
  std::vector<std::string> columns;
  std::function<std::vector<double>(const torch::Tensor&)> measure;
  std::string plotted;         // the column drawn against NFE (log-log)
  double noise_level = 0.0;    // drawn as a flat line when > 0
  std::string noise_label = "noise level";
  std::string note;            // under the table
};

QualityMeasure toy_measure(const std::string& spec, int64_t num) {
  // Fresh points of the training distribution. The metric is unbiased, so two draws
  // of the data scatter around zero; the RMS of a few such draws is the noise level
  // below which differences mean nothing.
  const auto data = std::make_shared<Toy2dDataset>(parse_data_spec(spec).argument);
  const torch::Tensor reference = data->reference_points(num, 1);
  constexpr int kDraws = 5;
  double noise = 0.0;
  for (int draw = 0; draw < kDraws; ++draw) {
    const double d = energy_distance(data->reference_points(num, 2 + draw), reference);
    noise += d * d / kDraws;
  }
  QualityMeasure m;
  m.columns = {"energy distance"};
  m.measure = [reference](const torch::Tensor& samples) { return std::vector<double>{energy_distance(samples, reference)}; };
  m.plotted = "energy distance";
  m.noise_level = std::sqrt(noise);
  std::ostringstream note;
  note << "Noise level (RMS distance between the data and 5 fresh draws of it, " << num
       << " points each): " << std::setprecision(5) << m.noise_level;
  m.note = note.str();
  std::printf("%s\n", m.note.c_str());
  return m;
}

QualityMeasure image_measure(const std::string& features, const std::string& ref, int64_t num, uint64_t seed) {
  auto network = std::make_shared<FeatureNetwork>(load_feature_network(features));
  auto reference = std::make_shared<ReferenceSet>(reference_set(*network, features, ref));
  // The same number of real images from the other split: where real data lands.
  const std::string split = reference->spec.substr(reference->spec.rfind(':') + 1);
  const std::string other = reference->spec.substr(0, reference->spec.rfind(':')) + (split == "test" ? ":train" : ":test");
  const torch::Tensor real = load_labelled_images(other, Split::kTrain).images.slice(0, 0, num);
  const SampleQuality floor = evaluate_samples(*network, *reference, real, seed);
  QualityMeasure m;
  m.columns = {"FID", "KID", "precision", "recall", "confidence"};
  m.measure = [network, reference, seed](const torch::Tensor& samples) {
    const SampleQuality q = evaluate_samples(*network, *reference, samples, seed);
    return std::vector<double>{q.fid, q.kid.mean, q.precision_recall.precision, q.precision_recall.recall,
                               q.mean_confidence};
  };
  m.plotted = "FID";
  m.noise_level = floor.fid;
  m.noise_label = "real images, " + std::to_string(real.size(0)) + " of " + other;
  std::ostringstream note;
  note << "Feature network " << features << ", reference " << reference->spec << " (" << reference->features.size(0)
       << " images). The same measures for " << real.size(0) << " real images of " << other << ": FID "
       << std::setprecision(5) << floor.fid << ", KID " << floor.kid.mean << ", precision "
       << floor.precision_recall.precision << ", recall " << floor.precision_recall.recall << ", confidence "
       << floor.mean_confidence << ".";
  m.note = note.str();
  std::printf("%s\n", m.note.c_str());
  return m;
}

void run_bench_samplers(const BenchSamplersArguments& args) {
  const std::vector<std::string> names = split_names(args.samplers);
  const std::vector<int64_t> steps = parse_int_list(args.steps, "--steps");
  check(args.features.empty() == args.ref.empty(), "--features and --ref go together");
  const TrainedModel model = load_trained_model(args.run);
  const Denoiser denoiser = make_denoiser(model, precision_from_string(args.precision));
  const NoiseSchedule& schedule = denoiser.schedule();
  const bool points = is_point_data(model.config.data.spec);
  check(!points || args.features.empty(), "--features is for image runs; toy runs are measured by the energy distance");
  for (int64_t k : steps) spaced_timesteps(schedule, Spacing::kLinspace, k);  // K in [1, T], before any output
  create_directories(args.out);

  QualityMeasure quality;
  if (points) quality = toy_measure(model.config.data.spec, args.num);
  if (!args.features.empty()) quality = image_measure(args.features, args.ref, args.num, args.seed);
  const bool measured = !quality.columns.empty();

  SweepOptions options;
  options.samplers = names;
  options.steps = steps;
  options.sampler_options.temperature = args.temperature;
  options.sampler_options.variance = model.config.sampling.variance;
  if (!args.spacing.empty()) options.sampler_options.spacing = spacing_from_string(args.spacing);
  options.num_samples = measured ? args.num : args.picture_samples;
  options.batch_size = std::min(options.num_samples, points ? args.batch_size : std::min<int64_t>(args.batch_size, 64));
  options.seed = args.seed;
  std::vector<std::vector<double>> values;
  std::printf("%-12s %6s %6s %12s", "sampler", "K", "NFE", "ms/sample");
  for (const auto& column : quality.columns) std::printf(" %16s", column.c_str());
  std::printf("\n");
  options.on_result = [&](const SweepResult& r) {
    std::printf("%-12s %6lld %6lld %12.3f", r.sampler.c_str(), static_cast<long long>(r.steps),
                static_cast<long long>(r.evaluations), 1e3 * r.seconds_per_sample);
    if (measured) {
      values.push_back(quality.measure(r.samples));
      for (double v : values.back()) std::printf(" %16.5f", v);
    }
    std::printf("\n");
    std::fflush(stdout);
  };
  const std::vector<SweepResult> results = sweep_samplers(denoiser, options);

  std::ostringstream csv, table;
  csv << "sampler,steps,evaluations,ms_per_sample";
  table << "| sampler | K | NFE | ms / sample |";
  for (const auto& column : quality.columns) {
    csv << "," << column;
    table << " " << column << " |";
  }
  table << "\n|---|---:|---:|---:|";
  for (size_t c = 0; c < quality.columns.size(); ++c) table << "---:|";
  csv << "\n";
  table << "\n";
  for (size_t i = 0; i < results.size(); ++i) {
    const SweepResult& r = results[i];
    csv << r.sampler << "," << r.steps << "," << r.evaluations << "," << 1e3 * r.seconds_per_sample;
    table << "| " << r.sampler << " | " << r.steps << " | " << r.evaluations << " | " << std::fixed
          << std::setprecision(3) << 1e3 * r.seconds_per_sample << " |";
    for (size_t c = 0; measured && c < quality.columns.size(); ++c) {
      csv << "," << values[i][c];
      table << " " << std::setprecision(5) << values[i][c] << " |";
    }
    csv << "\n";
    table << "\n";
  }
  if (!quality.note.empty()) table << "\n" << quality.note << "\n";
  const std::filesystem::path out(args.out);
  write_file_atomically((out / "samplers.csv").string(), csv.str());
  write_file_atomically((out / "samplers.md").string(), table.str());

  // Samplers down, K across.
  std::vector<std::vector<Canvas>> cells(names.size());
  std::vector<std::string> columns;
  for (int64_t k : steps) columns.push_back("K = " + std::to_string(k));
  for (size_t i = 0; i < results.size(); ++i) {
    cells[i / steps.size()].push_back(cell_picture(results[i].samples, args.picture_samples));
  }
  std::ostringstream title;
  title << (points ? std::to_string(args.num) + " samples" : "the same x_T for every cell") << " of " << args.run
        << ", temperature " << args.temperature;
  save_png((out / "samples.png").string(), render_contact_sheet(cells, names, columns, title.str()));

  std::vector<std::string> written{"samplers.csv", "samplers.md", "samples.png"};
  if (measured) {
    const size_t plotted = static_cast<size_t>(
        std::find(quality.columns.begin(), quality.columns.end(), quality.plotted) - quality.columns.begin());
    std::vector<Series> series;
    double fewest = 1e300, most = 0.0;
    for (size_t s = 0; s < names.size(); ++s) {
      Series line{names[s], {}, {}, kPalette[s % kPalette.size()], 2, true};
      for (size_t j = 0; j < steps.size(); ++j) {
        const size_t i = s * steps.size() + j;
        line.x.push_back(static_cast<double>(results[i].evaluations));
        line.y.push_back(values[i][plotted]);  // <= 0 (below the noise) leaves a gap on the log axis
        fewest = std::min(fewest, line.x.back());
        most = std::max(most, line.x.back());
      }
      series.push_back(line);
    }
    if (quality.noise_level > 0.0) {
      series.push_back(Series{quality.noise_label, {fewest, most}, {quality.noise_level, quality.noise_level}, {128, 128, 128}, 1, false});
    }
    LinePlotOptions plot;
    plot.title = quality.plotted + " against network evaluations (" + std::to_string(args.num) + " samples of " +
                 args.run + ")";
    plot.x_label = "network evaluations (NFE)";
    plot.y_label = quality.plotted;
    plot.log_x = plot.log_y = true;
    save_png((out / "quality_vs_nfe.png").string(), render_line_plot(series, plot));
    written.push_back("quality_vs_nfe.png");
  }
  std::printf("wrote");
  for (const auto& name : written) std::printf(" %s", (out / name).string().c_str());
  std::printf("\n");
}

}  // namespace

std::vector<Command> add_bench_commands(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks of a trained run, and of the communication of a training job");
  bench->require_subcommand(1);

  auto args = std::make_shared<BenchSamplersArguments>();
  CLI::App* samplers = bench->add_subcommand(
      "samplers", "Sample with every sampler at several step counts: time per sample, distance to the data "
                  "(toy 2-D runs), and one picture of all");
  samplers->add_option("--run", args->run, "run directory written by 'diffuse train'")->required();
  samplers->add_option("--out", args->out, "directory for samplers.csv, samplers.md and the pictures")->required();
  samplers->add_option("--samplers", args->samplers, "comma-separated sampler names, or all")->capture_default_str();
  samplers->add_option("--steps", args->steps, "comma-separated step counts K")->capture_default_str();
  samplers->add_option("--spacing", args->spacing, "timestep spacing for all samplers (default: each sampler's own)")
      ->check(CLI::IsMember(spacing_names()));
  samplers->add_option("--features", args->features, "image runs: feature network directory for FID, KID, "
                                                     "precision/recall (diffuse eval train-features)");
  samplers->add_option("--ref", args->ref, "image runs: reference images for --features, e.g. mnist:DIR:test");
  samplers->add_option("--num", args->num, "samples per measurement (toy runs, or image runs with --features)")
      ->check(whole_number_in(2, 1000000))
      ->capture_default_str();
  samplers->add_option("--batch-size", args->batch_size, "samples per network evaluation (at most 64 for images)")
      ->check(positive())
      ->capture_default_str();
  samplers->add_option("--picture-samples", args->picture_samples, "images per cell (image runs)")
      ->check(whole_number_in(1, 64))
      ->capture_default_str();
  samplers->add_option("--temperature", args->temperature, "temperature for every sampler")
      ->check(number_in(0.0, 10.0))
      ->capture_default_str();
  add_seed_option(*samplers, args->seed, "seed of x_T (the same for every sampler)");
  add_precision_option(*samplers, args->precision, "what the network computes in");
  return {{samplers, [args] { run_bench_samplers(*args); }}, add_bench_denoise_command(*bench),
          add_bench_guidance_command(*bench), add_bench_restore_command(*bench), add_bench_allreduce_command(*bench)};
}

}  // namespace diffuse::cli
