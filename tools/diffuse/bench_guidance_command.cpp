// diffuse bench guidance: the quality-diversity trade-off of classifier-free
// guidance (Ho & Salimans 2022, fig. 4): FID, KID, precision, recall and class
// accuracy of a conditional run's samples at several guidance scales.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <memory>
#include <sstream>

#include <torch/torch.h>

#include "commands.h"
#include "class_options.h"
#include "common_options.h"
#include "option_checks.h"
#include "diffuse/guidance.h"
#include "diffuse/io/atomic_file.h"
#include "diffuse/io/class_grid.h"
#include "diffuse/io/image.h"
#include "diffuse/io/misclassified_sheet.h"
#include "diffuse/io/plot.h"
#include "diffuse/metrics/feature_network.h"
#include "diffuse/metrics/sample_quality.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/trained_model.h"
#include "diffuse/util/error.h"
#include "diffuse/util/format.h"

namespace diffuse::cli {

namespace {

struct BenchGuidanceArguments {
  std::string run, out, features, ref, guidance = "0,1,1.5,2,3,5", guidance_interval, sampler = "ddim", precision = "fp32";
  double guidance_parallel = 1.0;
  std::string guide_run;  // autoguidance
  int64_t num = 1000, steps = 50, batch_size = 250;
  uint64_t seed = 0;
  bool quiet = false;
};

struct GuidanceRow {
  double scale = 0.0;
  SampleQuality quality;
  double ms_per_sample = 0.0;
  torch::Tensor picture_samples;  // one per class
};

// Two line plots side by side, FID and class accuracy against the guidance
// scale, under one header naming the run, its sampler and how it was guided (a title
// each would wrap the longer and leave the two plot areas at different heights).
Canvas trade_off_plot(const std::vector<GuidanceRow>& rows, const std::string& sampled, const std::string& shaped) {
  Series fid{"FID", {}, {}, {31, 119, 180}, 2, true}, accuracy{"class accuracy", {}, {}, {214, 39, 40}, 2, true};
  for (const GuidanceRow& row : rows) {
    fid.x.push_back(row.scale);
    fid.y.push_back(row.quality.fid);
    accuracy.x.push_back(row.scale);
    accuracy.y.push_back(row.quality.class_accuracy);
  }
  LinePlotOptions left;
  left.title = "FID against guidance";
  left.x_label = "guidance scale S";
  left.y_label = "FID (project features)";
  left.width = 520;
  LinePlotOptions right = left;
  right.title = "class accuracy against guidance";
  right.y_label = "share classified as the class asked for";
  const Canvas a = render_line_plot({fid}, left), b = render_line_plot({accuracy}, right);
  const std::string header = sampled + (shaped.empty() ? "" : ", " + shaped);
  const int width = a.width() + b.width();
  const int top = draw_plot_title(nullptr, header, width);  // wrapped like a plot's title
  Canvas both(width, top + std::max(a.height(), b.height()));
  draw_plot_title(&both, header, width);
  both.blit(a, 0, top);
  both.blit(b, a.width(), top);
  return both;
}

// Where a row's misclassified samples go: misses_S1.png, misses_S1.05.png, ...
std::filesystem::path misses_path(const std::string& out, double scale) {
  return std::filesystem::path(out) / ("misses_S" + format_general(scale) + ".png");
}

void run_bench_guidance(const BenchGuidanceArguments& args) {
  const std::vector<double> scales = parse_number_list(args.guidance, "--guidance");
  for (double scale : scales) check_guidance_scale(scale);
  const GuidanceShape shape = parse_guidance_shape(args.guidance_interval, args.guidance_parallel);
  const GuidanceInterval& interval = shape.interval;
  const TrainedModel model = load_trained_model(args.run);
  const int64_t classes = model.config.model->num_classes;
  check(classes > 0, "bench guidance needs a class-conditional run (train with --conditional); " + args.run + " has no classes");
  check(model.network->sample_shape() == std::vector<int64_t>({1, 28, 28}),
        "bench guidance measures grey 28 x 28 runs in the project's feature space; " + args.run + " makes another shape");
  check(args.num >= classes, "--num " + std::to_string(args.num) + " is below the run's " + std::to_string(classes) +
                                 " classes: every class needs a sample");
  FeatureNetworkInfo info;
  FeatureNetwork network = load_feature_network(args.features, &info);
  check_classes_match_features(model.config, info.data_spec, args.features);
  check(classes <= FeatureNetworkImpl::kClasses, "bench guidance: the feature network judges " +
                                                     std::to_string(FeatureNetworkImpl::kClasses) + " classes; " +
                                                     args.run + " has " + std::to_string(classes));
  create_directories(args.out);
  const Denoiser base = make_denoiser(model, precision_from_string(args.precision));
  const std::shared_ptr<const Denoiser> guide = load_guide(args.guide_run, base, model.config);
  const GuidedDenoiser checked(base, scales.front(), shape, guide);  // a mismatched guide fails here, before the reference set
  (void)checked;
  const ReferenceSet reference = reference_set(network, args.features, args.ref);
  // Every class equally often, the same x_T for every scale.
  const torch::Tensor labels = torch::arange(args.num, torch::kLong).remainder(classes);

  std::vector<GuidanceRow> rows;
  std::printf("%8s %10s %10s %10s %10s %10s %12s\n", "guidance", "FID", "KID", "precision", "recall", "class acc",
              "ms/sample");
  for (double scale : scales) {
    const GuidedDenoiser guided(base, scale, shape, guide);
    SamplerOptions sampler_options;
    sampler_options.variance = model.config.sampling.variance;  // as diffuse sample uses it
    const std::unique_ptr<Sampler> sampler = make_sampler(args.sampler, base.schedule(), sampler_options);
    sampler->set_timesteps(args.steps);
    GenerateOptions options;
    options.num_samples = args.num;
    options.batch_size = args.batch_size;
    options.seed = args.seed;
    options.class_labels = labels;
    const auto start = std::chrono::steady_clock::now();
    const torch::Tensor samples = generate_with_progress(guided, *sampler, options, args.quiet).samples;
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    GuidanceRow row;
    row.scale = scale;
    row.ms_per_sample = 1e3 * elapsed.count() / static_cast<double>(args.num);
    row.quality = evaluate_samples(network, reference, samples, args.seed, labels);
    row.picture_samples = samples.slice(0, 0, classes);  // samples 0..K-1 are classes 0..K-1
    save_png(misses_path(args.out, scale).string(),
             render_misclassified(samples, labels, row.quality.judged_classes, model.config.data.class_names,
                                  "S = " + format_general(scale)));
    std::printf("%8.3g %10.3f %10.5f %10.3f %10.3f %10.3f %12.3f\n", scale, row.quality.fid, row.quality.kid.mean,
                row.quality.precision_recall.precision, row.quality.precision_recall.recall, row.quality.class_accuracy,
                row.ms_per_sample);
    std::fflush(stdout);
    rows.push_back(row);
  }

  std::ostringstream csv, table;
  csv << "guidance,sigma_min,sigma_max,parallel,fid,kid,kid_standard_error,precision,recall,class_accuracy,ms_per_sample,guide_run";
  for (int64_t c = 0; c < classes; ++c) csv << ",class_accuracy_" << c;
  csv << "\n";
  table << "| guidance S | FID | KID | precision | recall | class accuracy | ms / sample |\n"
        << "|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const GuidanceRow& row : rows) {
    const SampleQuality& q = row.quality;
    csv << row.scale << "," << interval.sigma_min << "," << interval.sigma_max << "," << shape.parallel << "," << q.fid << "," << q.kid.mean
        << "," << q.kid.standard_error << "," << q.precision_recall.precision << "," << q.precision_recall.recall << ","
        << q.class_accuracy << "," << row.ms_per_sample << "," << args.guide_run;
    for (int64_t c = 0; c < classes; ++c) csv << "," << q.class_accuracy_per_class.at(static_cast<size_t>(c));
    csv << "\n";
    table << std::fixed << "| " << std::setprecision(2) << row.scale << " | " << std::setprecision(2) << q.fid << " | "
          << std::setprecision(4) << q.kid.mean << " | " << std::setprecision(3) << q.precision_recall.precision << " | "
          << q.precision_recall.recall << " | " << q.class_accuracy << " | " << std::setprecision(2) << row.ms_per_sample
          << " |\n";
  }
  table << "\n" << args.num << " samples per row (classes in turn), " << args.sampler << " " << args.steps
        << " steps, seed " << args.seed << ", the same x_T for every row"
        << (interval.everywhere() ? "" : "; guidance only at " + interval.describe())
        << (shape.parallel == 1.0 ? "" : "; the update's part parallel to x0_cond weighted " + format_fixed(shape.parallel, 2))
        << (args.guide_run.empty() ? "" : "; autoguidance by " + args.guide_run + " in place of the null label")
        << "; features " << args.features
        << ", reference " << reference.spec << " (" << reference.features.size(0) << " images).\n";
  table << "\nClass accuracy per class asked for (the share the classifier puts in that class):\n\n| guidance S |";
  for (int64_t c = 0; c < classes; ++c) table << " " << c << " |";
  table << "\n|---:|";
  for (int64_t c = 0; c < classes; ++c) table << "---:|";
  table << "\n";
  for (const GuidanceRow& row : rows) {
    table << "| " << std::setprecision(2) << row.scale << " |" << std::setprecision(3);
    for (int64_t c = 0; c < classes; ++c) table << " " << row.quality.class_accuracy_per_class.at(static_cast<size_t>(c)) << " |";
    table << "\n";
  }
  const std::filesystem::path out(args.out);
  write_file_atomically((out / "guidance.csv").string(), csv.str());
  write_file_atomically((out / "guidance.md").string(), table.str());
  const std::string sampled = args.run + ", " + args.sampler + " " + std::to_string(args.steps) + " steps";
  save_png((out / "guidance.png").string(), trade_off_plot(rows, sampled, describe_guidance_shape(shape, args.guide_run)));
  // One row per guidance scale, one column per class.
  std::vector<torch::Tensor> pictures;
  std::vector<std::string> row_names;
  for (const GuidanceRow& row : rows) {
    pictures.push_back(row.picture_samples);
    row_names.push_back("S = " + format_general(row.scale));
  }
  save_png((out / "samples.png").string(),
           render_class_rows(torch::cat(pictures), classes, row_names, "one sample per class (columns) at each guidance"));
  std::printf("wrote %s, %s, %s, %s and %s (the misclassified samples of each scale)\n", (out / "guidance.csv").c_str(),
              (out / "guidance.md").c_str(), (out / "guidance.png").c_str(), (out / "samples.png").c_str(),
              (out / "misses_S*.png").c_str());
}

}  // namespace

Command add_bench_guidance_command(CLI::App& bench) {
  auto args = std::make_shared<BenchGuidanceArguments>();
  CLI::App* command = bench.add_subcommand(
      "guidance", "Classifier-free guidance of a conditional run: FID, KID, precision, recall and class accuracy "
                  "per guidance scale, a table and a plot of the trade-off");
  command->add_option("--run", args->run, "a class-conditional run (diffuse train --conditional)")->required();
  command->add_option("--features", args->features, "feature network directory (diffuse eval train-features)")->required();
  command->add_option("--ref", args->ref, "reference images, e.g. mnist:DIR:test")->required();
  command->add_option("--out", args->out, "directory for guidance.csv, guidance.md and the pictures")->required();
  command->add_option("--guidance", args->guidance, "comma-separated guidance scales S")->capture_default_str();
  add_guidance_shape_options(*command, args->guidance_interval, args->guidance_parallel);
  add_guide_run_option(*command, args->guide_run);
  command->add_option("--num", args->num, "samples per guidance scale")
      ->check(whole_number_in(10, 1000000))
      ->capture_default_str();
  command->add_option("--sampler", args->sampler, "sampler")->check(CLI::IsMember(sampler_names()))->capture_default_str();
  command->add_option("--steps", args->steps, "sampler steps K")->check(positive())->capture_default_str();
  command->add_option("--batch-size", args->batch_size, "samples per network evaluation (doubled inside when guided)")
      ->check(positive())
      ->capture_default_str();
  add_seed_option(*command, args->seed, "seed of x_T, the same for every scale");
  add_precision_option(*command, args->precision, "what the network computes in");
  command->add_flag("--quiet", args->quiet, "no progress bar");
  return {command, [args] { run_bench_guidance(*args); }};
}

}  // namespace diffuse::cli
