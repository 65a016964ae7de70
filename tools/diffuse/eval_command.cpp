// diffuse eval: sample quality (FID, KID, precision/recall, classifier scores)
// in the feature space of a classifier the project trains, and PSNR / SSIM.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "class_options.h"
#include "commands.h"
#include "common_options.h"
#include "option_checks.h"
#include "diffuse/data/data_spec.h"
#include "diffuse/denoiser.h"
#include "diffuse/io/atomic_file.h"
#include "diffuse/io/image.h"
#include "diffuse/io/misclassified_sheet.h"
#include "diffuse/io/run_directory.h"
#include "diffuse/metrics/image_quality.h"
#include "diffuse/metrics/inception.h"
#include "diffuse/metrics/sample_quality.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/trained_model.h"
#include "diffuse/util/error.h"
#include "diffuse/util/progress.h"

namespace diffuse::cli {

namespace {

struct TrainFeaturesArguments {
  std::string data, out;
  FeatureTrainingOptions options;
  bool quiet = false;
};

void run_train_features(const TrainFeaturesArguments& args) {
  check_file_destination((std::filesystem::path(args.out) / "feature_network.json").string(), "--out",
                         MissingFolders::kCreate);
  const LabelledImages train = load_labelled_images(args.data, Split::kTrain);
  const LabelledImages test = load_labelled_images(args.data, Split::kTest);
  std::printf("training the feature network on %s\ntesting on %s\n", train.description.c_str(), test.description.c_str());
  FeatureNetwork network;
  FeatureTrainingOptions options = args.options;
  std::unique_ptr<ProgressBar> bar;
  if (!args.quiet) {
    options.on_batch = [&bar](int64_t done, int64_t total, double loss) {
      if (!bar) bar = std::make_unique<ProgressBar>("train-features", total, done);  // rate from the first batch on
      char extra[32];
      std::snprintf(extra, sizeof(extra), "loss %.4f", loss);
      bar->update(done, extra);
    };
  }
  const double accuracy = train_feature_network(network, train, test, options);
  if (bar) bar->finish();
  save_feature_network(args.out, network, {with_split(args.data, Split::kTrain), accuracy, options.epochs, options.max_shift});
  std::printf("test accuracy %.2f%% on %lld images; wrote %s\n", 100.0 * accuracy,
              static_cast<long long>(test.images.size(0)), args.out.c_str());
}

struct EvalArguments {
  std::string features, ref, samples, run, images, json, misses, sampler = "ddpm", spacing, precision = "fp32";
  int64_t num = 1000, steps = 0, batch_size = 64;
  double temperature = 1.0;
  uint64_t seed = 0;
  bool no_ema = false, quiet = false;
  ClassArguments classes;
};

// The image files of a folder (PNG, and JPEG when asked), sorted by name.
std::vector<std::string> image_files(const std::string& directory, bool jpeg_too) {
  std::error_code error;
  check(std::filesystem::is_directory(directory, error), directory + " is not a folder");
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    std::string extension = entry.path().extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(), ::tolower);
    const bool wanted = extension == ".png" || (jpeg_too && (extension == ".jpg" || extension == ".jpeg"));
    if (entry.is_regular_file() && wanted) paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

// Every PNG of a folder, grey, sorted by name, as [N, 1, H, W].
torch::Tensor load_sample_folder(const std::string& directory) {
  const std::vector<std::string> paths = image_files(directory, false);
  check(!paths.empty(), "--samples: no PNG files in " + directory);
  std::vector<torch::Tensor> images;
  for (const auto& path : paths) {
    torch::Tensor image = load_image(path, 1);
    check(image.size(1) == FeatureNetworkImpl::kImageSize && image.size(2) == FeatureNetworkImpl::kImageSize,
          path + ": the feature network takes 28 x 28 images, this one is " + std::to_string(image.size(2)) + " x " +
              std::to_string(image.size(1)));
    images.push_back(image);
  }
  return torch::stack(images);
}

struct RunSamples {
  torch::Tensor images;
  torch::Tensor classes;  // the class each sample was drawn for, or undefined
  std::vector<std::string> class_names;  // the run's
  int64_t steps = 0;
  std::string spacing;
};

RunSamples sample_from_run(const EvalArguments& args) {
  const TrainedModel model = load_trained_model(args.run, !args.no_ema);
  const std::vector<int64_t> classes = chosen_classes(args.classes, model.config);
  const std::shared_ptr<const Denoiser> chosen =
      class_denoiser(make_denoiser(model, precision_from_string(args.precision)), args.classes, model.config);
  const Denoiser& denoiser = *chosen;
  const NoiseSchedule& schedule = denoiser.schedule();
  check(model.network->sample_shape() == std::vector<int64_t>({1, 28, 28}),
        "--run: the feature network takes grey 28 x 28 images; " + args.run + " makes another shape");
  SamplerOptions options;
  options.temperature = args.temperature;
  options.variance = model.config.sampling.variance;
  if (!args.spacing.empty()) options.spacing = spacing_from_string(args.spacing);
  const std::unique_ptr<Sampler> sampler = make_sampler(args.sampler, schedule, options);
  sampler->set_timesteps(args.steps > 0 ? args.steps : default_sampler_steps(args.sampler, schedule.num_timesteps()));
  GenerateOptions generate_options;
  generate_options.num_samples = args.num;
  generate_options.batch_size = args.batch_size;
  generate_options.seed = args.seed;
  torch::Tensor labels;
  if (!classes.empty()) {  // --num samples spread evenly over the chosen classes
    labels = torch::tensor(classes, torch::kLong).index_select(
        0, torch::arange(args.num, torch::kLong).remainder(static_cast<int64_t>(classes.size())));
    generate_options.class_labels = labels;
  }
  const torch::Tensor samples = generate_with_progress(denoiser, *sampler, generate_options, args.quiet).samples;
  return {samples, labels, model.config.data.class_names, sampler->num_steps(), to_string(sampler->spacing())};
}

void run_eval(const EvalArguments& args) {
  const int sources = !args.samples.empty() + !args.run.empty() + !args.images.empty();
  check(sources == 1, "give one of --samples DIR, --run RUN or --images SPEC");
  check((args.classes.choice.empty() && !args.classes.guidance && args.classes.guide_run.empty()) || !args.run.empty(),
        "--class, --guidance and --guide-run apply to --run (samples drawn from a run)");
  check(args.misses.empty() || !args.classes.choice.empty() || !args.images.empty(),
        "--misses shows the images judged another class than asked (--run with --class) or than labelled (--images)");
  if (!args.json.empty()) check_file_destination(args.json, "--json");
  if (!args.misses.empty()) check_file_destination(args.misses, "--misses");
  FeatureNetworkInfo info;
  FeatureNetwork network = load_feature_network(args.features, &info);
  // Real images are judged against their labels only by a classifier trained on the same kind of data.
  const bool judge_labels = !args.images.empty() && parse_data_spec(args.images).kind == parse_data_spec(info.data_spec).kind;
  check(args.images.empty() || judge_labels || args.misses.empty(),
        "--misses judges --images against their labels: the classifier in " + args.features + " was trained on '" +
            info.data_spec + "', another kind of data than " + args.images);
  if (!args.classes.choice.empty()) {
    check_classes_match_features(RunDirectory(args.run).read_config(), info.data_spec, args.features);
  }
  const ReferenceSet reference = reference_set(network, args.features, args.ref);
  torch::Tensor images;
  if (!args.samples.empty()) images = load_sample_folder(args.samples);
  RunSamples drawn;
  if (!args.run.empty()) {
    drawn = sample_from_run(args);
    images = drawn.images;
  }
  if (!args.images.empty()) {
    // Real images in place of samples: the floor of every metric (train against test) or a far point,
    // and, judged against their labels, the ceiling of class accuracy.
    const LabelledImages real = load_labelled_images(args.images, Split::kTrain);
    const int64_t count = std::min(args.num, real.images.size(0));
    images = real.images.slice(0, 0, count);
    if (judge_labels) {
      drawn.classes = real.labels.slice(0, 0, count);
      drawn.class_names = real.class_names;
    }
  }
  const SampleQuality q = evaluate_samples(network, reference, images, args.seed, drawn.classes);

  std::printf("%lld samples against %lld reference images of %s\n", static_cast<long long>(q.samples),
              static_cast<long long>(q.reference), reference.spec.c_str());
  std::printf("feature network: %s (trained on %s, test accuracy %.2f%%)\n", args.features.c_str(),
              info.data_spec.c_str(), 100.0 * info.test_accuracy);
  std::printf("FID                %10.3f\n", q.fid);
  std::printf("KID                %10.5f +- %.5f (%lld subsets of %lld)\n", q.kid.mean, q.kid.standard_error,
              static_cast<long long>(q.kid.subsets), static_cast<long long>(q.kid.subset_size));
  std::printf("precision          %10.3f\nrecall             %10.3f\n", q.precision_recall.precision,
              q.precision_recall.recall);
  std::printf("mean confidence    %10.3f\nclass entropy      %10.3f bits (uniform: 3.322)\nconfident (>=0.9)  %10.3f\n",
              q.mean_confidence, q.class_entropy_bits, q.confident_share);
  std::ostringstream counts;
  for (size_t c = 0; c < q.class_counts.size(); ++c) counts << (c ? " " : "") << c << ":" << q.class_counts[c];
  std::printf("classes            %s\n", counts.str().c_str());
  if (q.class_accuracy >= 0) {
    std::printf("class accuracy     %10.3f (share the classifier puts in the class %s)\n", q.class_accuracy,
                args.images.empty() ? "asked for" : "labelled");
    std::ostringstream per_class;  // only the classes that were asked for
    for (size_t c = 0; c < q.class_accuracy_per_class.size(); ++c) {
      if (q.class_accuracy_per_class[c] < 0) continue;
      per_class << (per_class.tellp() > 0 ? " " : "") << c << ":" << std::fixed << std::setprecision(3)
                << q.class_accuracy_per_class[c];
    }
    std::printf("  per class        %s\n", per_class.str().c_str());
  }
  if (!args.misses.empty()) {
    save_png(args.misses, render_misclassified(images, drawn.classes, q.judged_classes, drawn.class_names, "",
                                               args.images.empty() ? "asked" : "labelled"));
    std::printf("wrote the %lld misses to %s\n",
                static_cast<long long>(drawn.classes.ne(q.judged_classes).sum().item<int64_t>()), args.misses.c_str());
  }
  if (!args.json.empty()) {
    nlohmann::json json = q;
    json["reference"] = reference.spec;
    json["features"] = args.features;
    if (!args.run.empty()) {
      json["source"] = {{"run", args.run},     {"sampler", args.sampler},         {"steps", drawn.steps},
                        {"spacing", drawn.spacing}, {"temperature", args.temperature}, {"seed", args.seed}};
      if (!args.classes.choice.empty()) {
        json["source"]["class"] = args.classes.choice;
        json["source"]["guidance"] = args.classes.guidance.value_or(1.0);
        if (!args.classes.guidance_interval.empty()) json["source"]["guidance_interval"] = args.classes.guidance_interval;
        if (args.classes.guidance_parallel != 1.0) json["source"]["guidance_parallel"] = args.classes.guidance_parallel;
      }
      if (!args.classes.guide_run.empty()) {
        json["source"]["guidance"] = args.classes.guidance.value_or(1.0);
        json["source"]["guide_run"] = args.classes.guide_run;
        if (!args.classes.guidance_interval.empty()) json["source"]["guidance_interval"] = args.classes.guidance_interval;
        if (args.classes.guidance_parallel != 1.0) json["source"]["guidance_parallel"] = args.classes.guidance_parallel;
      }
    } else {
      json["source"] = {{args.samples.empty() ? "images" : "samples", args.samples.empty() ? args.images : args.samples}};
    }
    write_json_output(args.json, json);
  }
}

struct InceptionArguments {
  std::string weights, real, fake, json;
  uint64_t seed = 0;
};

// Inception features of every PNG/JPEG in a folder, consecutive images of one size batched together.
torch::Tensor inception_features_of_folder(InceptionV3& inception, const std::string& directory) {
  const std::vector<std::string> paths = image_files(directory, true);
  check(paths.size() >= 2, "need at least two images in " + directory);
  ProgressBar bar("inception " + std::filesystem::path(directory).filename().string(), static_cast<int64_t>(paths.size()));
  std::vector<torch::Tensor> features, batch;
  auto flush = [&] {
    if (batch.empty()) return;
    features.push_back(inception.features(torch::stack(batch)));
    batch.clear();
  };
  for (size_t i = 0; i < paths.size(); ++i) {
    torch::Tensor image = load_image(paths[i], 3);
    if (!batch.empty() && (batch.size() == 32 || image.sizes() != batch.front().sizes())) flush();
    batch.push_back(image);
    bar.update(static_cast<int64_t>(i + 1));
  }
  flush();
  bar.finish();
  return torch::cat(features);
}

void run_inception(const InceptionArguments& args) {
  if (!args.json.empty()) check_file_destination(args.json, "--json");
  InceptionV3 inception;
  inception.load(args.weights);
  const torch::Tensor real = inception_features_of_folder(inception, args.real);
  const torch::Tensor fake = inception_features_of_folder(inception, args.fake);
  const double fid = frechet_distance(gaussian_stats(fake), gaussian_stats(real));
  const KidResult kid = kernel_inception_distance(fake, real, 100, 1000, args.seed);
  std::printf("%lld images in %s against %lld in %s (Inception-v3 pool features, 2048-d)\n",
              static_cast<long long>(fake.size(0)), args.fake.c_str(), static_cast<long long>(real.size(0)),
              args.real.c_str());
  std::printf("FID  %10.3f\nKID  %10.5f +- %.5f\n", fid, kid.mean, kid.standard_error);
  nlohmann::json json = {{"fid", fid}, {"kid", kid.mean}, {"kid_standard_error", kid.standard_error},
                         {"real", args.real}, {"fake", args.fake}, {"weights", args.weights}};
  if (fake.size(0) > 3 && real.size(0) > 3) {
    const PrecisionRecall pr = precision_recall(real, fake, 3);
    std::printf("precision %.3f\nrecall    %.3f\n", pr.precision, pr.recall);
    json["precision"] = pr.precision;
    json["recall"] = pr.recall;
  }
  if (!args.json.empty()) {
    write_json_output(args.json, json);
  }
}

struct PairArguments {
  std::string a, b;
};

void run_image_pair(const PairArguments& args, bool structural) {
  const torch::Tensor a = load_image(args.a), b = load_image(args.b);
  check(a.sizes() == b.sizes(), args.a + " and " + args.b + " differ in size or channels");
  // Both on the 8-bit scale: [-1, 1] -> [0, 255].
  const torch::Tensor x = (a + 1) * 127.5, y = (b + 1) * 127.5;
  if (structural) {
    std::printf("SSIM %.6f\n", ssim(x, y));
  } else {
    std::printf("PSNR %.3f dB\n", psnr(x, y));
  }
}

}  // namespace

std::vector<Command> add_eval_commands(CLI::App& app) {
  auto eval_args = std::make_shared<EvalArguments>();
  CLI::App* eval = app.add_subcommand(
      "eval", "Sample quality against a reference split: FID, KID, precision/recall and classifier scores");
  eval->require_subcommand(0, 1);
  eval->add_option("--features", eval_args->features, "feature network directory (diffuse eval train-features)");
  eval->add_option("--ref", eval_args->ref, "reference images: mnist[:DIR][:train|:test] (default split: test)");
  eval->add_option("--samples", eval_args->samples, "a folder of generated 28 x 28 PNGs");
  eval->add_option("--run", eval_args->run, "or a trained run to sample from");
  eval->add_option("--images", eval_args->images, "or real images, mnist[:DIR][:train|:test] (default split: train), "
                                                  "e.g. for the floor of the metrics");
  eval->add_option("--num", eval_args->num, "samples to draw from --run, or images to take from --images")->check(whole_number_in(10, 1000000))->capture_default_str();
  eval->add_option("--sampler", eval_args->sampler, "sampler for --run")->check(CLI::IsMember(sampler_names()))->capture_default_str();
  eval->add_option("--steps", eval_args->steps, "sampler steps K (default: T for ddpm, 50 for the others)")->check(positive());
  eval->add_option("--spacing", eval_args->spacing, "timestep spacing (default: the sampler's)")->check(CLI::IsMember(spacing_names()));
  eval->add_option("--temperature", eval_args->temperature, "sampling temperature")->check(number_in(0.0, 10.0))->capture_default_str();
  eval->add_option("--batch-size", eval_args->batch_size, "samples per network evaluation")->check(positive())->capture_default_str();
  add_seed_option(*eval, eval_args->seed, "seed of the samples and of the KID subsets");
  eval->add_option("--json", eval_args->json, "also write the numbers to this JSON file");
  eval->add_option("--misses", eval_args->misses,
                   "with --class (or --images: against their labels): a PNG of the images the classifier judged "
                   "another class than asked, a row per class asked and a column per class judged");
  eval->add_flag("--no-ema", eval_args->no_ema, "sample with the raw weights instead of the EMA weights");
  add_class_options(*eval, eval_args->classes, "for the classes in turn, --num samples in all");
  add_precision_option(*eval, eval_args->precision, "--run: what the network computes in");
  eval->add_flag("--quiet", eval_args->quiet, "no progress bar");

  auto train_args = std::make_shared<TrainFeaturesArguments>();
  CLI::App* train = eval->add_subcommand("train-features", "Train the feature network (a small CNN classifier)");
  train->add_option("--data", train_args->data, "mnist[:DIR] or fashion-mnist[:DIR]")->required();
  train->add_option("--out", train_args->out, "directory for the network")->required();
  train->add_option("--epochs", train_args->options.epochs, "passes over the training split")->check(whole_number_in(1, 100))->capture_default_str();
  train->add_option("--max-shift", train_args->options.max_shift,
                    "augmentation: move each training image by up to this many pixels in x and y (0: none)")
      ->check(whole_number_in(0, 27))
      ->capture_default_str();
  add_seed_option(*train, train_args->options.seed, "seed");
  train->add_flag("--quiet", train_args->quiet, "no progress bar");

  auto inception_args = std::make_shared<InceptionArguments>();
  CLI::App* inception = eval->add_subcommand(
      "fid-inception", "FID, KID and precision/recall of two image folders in Inception-v3 features (pytorch-fid variant)");
  inception->add_option("--weights", inception_args->weights, "Inception-v3 weights as safetensors (see docs/metrics.md)")
      ->required()
      ->check(CLI::ExistingFile);
  inception->add_option("--real", inception_args->real, "folder of real images")->required();
  inception->add_option("--fake", inception_args->fake, "folder of generated images")->required();
  inception->add_option("--json", inception_args->json, "also write the numbers to this JSON file");
  add_seed_option(*inception, inception_args->seed, "seed of the KID subsets");

  auto psnr_args = std::make_shared<PairArguments>();
  CLI::App* psnr_command = eval->add_subcommand("psnr", "PSNR in dB between two images (8-bit scale)");
  psnr_command->add_option("A", psnr_args->a, "first image")->required()->check(CLI::ExistingFile);
  psnr_command->add_option("B", psnr_args->b, "second image")->required()->check(CLI::ExistingFile);
  auto ssim_args = std::make_shared<PairArguments>();
  CLI::App* ssim_command = eval->add_subcommand("ssim", "SSIM between two images (Wang et al. 2004)");
  ssim_command->add_option("A", ssim_args->a, "first image")->required()->check(CLI::ExistingFile);
  ssim_command->add_option("B", ssim_args->b, "second image")->required()->check(CLI::ExistingFile);

  return {
      {eval,
       [eval, eval_args] {
         if (!eval->get_subcommands().empty()) return;  // a subcommand does the work
         check(!eval_args->features.empty() && !eval_args->ref.empty(),
               "eval needs --features DIR and --ref SPEC (or a subcommand: train-features, fid-inception, psnr, ssim)");
         run_eval(*eval_args);
       }},
      {train, [train_args] { run_train_features(*train_args); }},
      {inception, [inception_args] { run_inception(*inception_args); }},
      {psnr_command, [psnr_args] { run_image_pair(*psnr_args, false); }},
      {ssim_command, [ssim_args] { run_image_pair(*ssim_args, true); }},
  };
}

}  // namespace diffuse::cli
