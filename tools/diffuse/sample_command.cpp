// diffuse sample: run the reverse process of a trained model.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>
#include <sstream>

#include <torch/torch.h>

#include "class_options.h"
#include "commands.h"
#include "common_options.h"
#include "generation_record.h"
#include "option_checks.h"
#include "diffuse/apps/molecule_generation.h"
#include "diffuse/denoiser.h"
#include "diffuse/device.h"
#include "diffuse/io/atomic_file.h"
#include "diffuse/io/class_grid.h"
#include "diffuse/io/image.h"
#include "diffuse/io/run_directory.h"
#include "diffuse/io/sample_output.h"
#include "diffuse/metrics/molecule_metrics.h"
#include "diffuse/molecules/molecule_grid.h"
#include "diffuse/molecules/rdkit_chemistry.h"
#include "diffuse/molecules/xyz_file.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/trained_model.h"
#include "diffuse/util/error.h"
#include "diffuse/util/format.h"
#include "diffuse/util/progress.h"

namespace diffuse::cli {

namespace {

struct SampleArguments {
  std::string run, out, trajectory, json, sampler = "ddpm", variance, spacing, precision = "fp32", device = "cpu", fix;
  int64_t num = 16, steps = 0, batch_size = 64, atoms = 0;
  double temperature = 1.0;
  std::optional<double> eta, s_churn, s_noise, s_tmin, s_tmax;
  uint64_t seed = 0;
  bool no_ema = false, quiet = false;
  ClassArguments classes;
};

// Sampler options from the flags, refusing flags the chosen sampler would ignore.
SamplerOptions sampler_options(const SampleArguments& args) {
  const std::string& name = args.sampler;
  auto only_for = [&name](bool applies, const std::string& flag, const std::string& samplers) {
    check(applies, flag + " applies to the " + samplers + " sampler" + (samplers.find(' ') != std::string::npos ? "s" : "") +
                       ", not to " + name);
  };
  SamplerOptions options;
  options.temperature = args.temperature;
  if (!args.spacing.empty()) options.spacing = spacing_from_string(args.spacing);
  only_for(args.variance.empty() || name == "ddpm", "--variance", "ddpm");
  if (!args.variance.empty()) options.variance = reverse_variance_from_string(args.variance);
  only_for(!args.eta || name == "ddim", "--eta", "ddim");
  options.eta = args.eta.value_or(0.0);
  const bool edm = name == "euler" || name == "heun";
  for (const auto& [value, flag] : {std::pair{args.s_churn, "--churn"}, std::pair{args.s_noise, "--s-noise"},
                                    std::pair{args.s_tmin, "--s-tmin"}, std::pair{args.s_tmax, "--s-tmax"}}) {
    only_for(!value || edm, flag, "euler and heun");
  }
  options.churn.s_churn = args.s_churn.value_or(options.churn.s_churn);
  options.churn.s_noise = args.s_noise.value_or(options.churn.s_noise);
  options.churn.s_tmin = args.s_tmin.value_or(options.churn.s_tmin);
  options.churn.s_tmax = args.s_tmax.value_or(options.churn.s_tmax);
  return options;
}

// "heun 10 steps (19 evaluations, karras), churn 5, tau 0.8": for titles.
std::string describe(const Sampler& sampler, const SampleArguments& args) {
  std::ostringstream text;
  text << sampler.name() << " " << sampler.num_steps() << " steps (";
  if (static_cast<int64_t>(sampler.timesteps().size()) != sampler.num_steps()) {
    text << sampler.timesteps().size() << " evaluations, ";
  }
  text << to_string(sampler.spacing()) << ")";
  if (args.eta) text << ", eta " << *args.eta;
  if (args.s_churn) text << ", churn " << *args.s_churn;
  text << ", tau " << args.temperature;
  return text.str();
}

// What the samples were made with: PNG text chunks and --json.
GenerationRecord generation_record(const Sampler& sampler, const SampleArguments& args) {
  GenerationRecord record("sample");
  record.add("run", args.run).add("weights", args.no_ema ? "raw" : "ema").add("sampler", sampler.name());
  record.add("steps", sampler.num_steps()).add("spacing", to_string(sampler.spacing()));
  record.add("seed", args.seed).add("temperature", args.temperature).add("num", args.num);
  if (args.eta) record.add("eta", *args.eta);
  if (args.s_churn) record.add("churn", *args.s_churn);
  add_classes_to_record(record, args.classes);
  if (args.atoms > 0) record.add("atoms", args.atoms);
  if (!args.fix.empty()) record.add("fix", args.fix);
  record.add("precision", args.precision).add("device", args.device);
  return record;
}

// --json: the record, the files written and (molecules) their scores.
void write_json_record(const std::string& path, const GenerationRecord& record, const std::vector<std::string>& outputs,
                       const nlohmann::json& scores = nullptr) {
  nlohmann::json json = record.to_json();
  json["outputs"] = outputs;
  if (!scores.is_null()) json["scores"] = scores;
  write_json_output(path, json);
}

// Samples of several classes: a PNG with a row per class, or a CSV with each sample's class.
std::string write_class_samples(const std::string& out, const torch::Tensor& samples, int64_t per_class,
                                const std::vector<std::string>& names, const std::string& title, const PngText& text) {
  if (ends_with(out, ".png")) {
    save_png(out, render_class_rows(samples, per_class, names, title), text);
    return out;
  }
  check(ends_with(out, ".csv"), "--out " + out + ": --class all writes one .png (a row per class) or one .csv");
  const torch::Tensor flat = samples.reshape({samples.size(0), -1}).to(torch::kFloat64).contiguous();
  std::ostringstream csv;
  csv.precision(9);
  for (int64_t d = 0; d < flat.size(1); ++d) csv << (flat.size(1) == 2 ? (d == 0 ? "x" : "y") : "v" + std::to_string(d)) << ",";
  csv << "class\n";
  const auto* values = flat.data_ptr<double>();
  for (int64_t i = 0; i < flat.size(0); ++i) {
    for (int64_t d = 0; d < flat.size(1); ++d) csv << values[i * flat.size(1) + d] << ",";
    csv << i / per_class << "\n";
  }
  write_file_atomically(out, csv.str());
  return out;
}

// The atoms --fix keeps: the one molecule of an .xyz or .sdf file, of the
// model's atom types (checked here, before any sampling).
Molecule fixed_atoms(const std::string& path, const MoleculeEncoding& encoding) {
  const std::vector<Molecule> molecules = read_molecules(path);
  check(molecules.size() == 1, "--fix " + path + ": holds " + std::to_string(molecules.size()) +
                                   " molecules; give a file with the one set of atoms to keep");
  const Molecule& fixed = molecules.front();
  const auto& types = encoding.atom_types;
  for (int i = 0; i < fixed.num_atoms(); ++i) {
    const int z = fixed.atomic_numbers[static_cast<size_t>(i)];
    if (std::find(types.begin(), types.end(), z) != types.end()) continue;
    const bool heavy_only = std::find(types.begin(), types.end(), 1) == types.end();
    check(!(z == 1 && heavy_only), "--fix " + path + ": atom " + std::to_string(i + 1) +
                                       " is H, and this model makes heavy atoms only (trained with --no-hydrogens): "
                                       "leave the hydrogens out");
    std::string allowed;
    for (int64_t type : types) allowed += (allowed.empty() ? "" : " ") + element_symbol(static_cast<int>(type));
    throw Error("--fix " + path + ": atom " + std::to_string(i + 1) + " is " + element_symbol(z) +
                "; this model makes " + allowed);
  }
  check(fixed.num_atoms() < encoding.max_atoms,
        "--fix " + path + ": " + std::to_string(fixed.num_atoms()) + " atoms leave nothing to generate in molecules of "
        "at most " + std::to_string(encoding.max_atoms));
  return fixed;
}

// Molecules from an egnn run: an SDF (3-D, with the protocol's bonds), a
// multi-frame XYZ or a PNG grid of 2-D drawings, and their scores on the
// terminal.
void sample_molecules(const SampleArguments& args, const TrainedModel& model, const Denoiser& denoiser,
                      Sampler& sampler, const GenerationRecord& record) {
  MoleculeGenerationOptions options;
  options.num_molecules = args.num;
  options.atoms = args.atoms;
  if (!args.fix.empty()) options.fixed = fixed_atoms(args.fix, molecule_encoding(model.config));
  options.batch_size = args.batch_size;
  options.seed = args.seed;
  std::unique_ptr<ProgressBar> progress;
  if (!args.quiet) options.on_step = sampling_progress(progress, args.num, args.batch_size);
  std::vector<Molecule> molecules = generate_molecules(denoiser, sampler, model.config, options);
  if (progress) progress->finish();
  if (ends_with(args.out, ".sdf")) {
    write_sdf(args.out, molecules);
  } else if (ends_with(args.out, ".png")) {
    save_png(args.out, draw_molecule_grid(molecules), record.png_text());
  } else {
    write_xyz(args.out, molecules);
  }
  const MoleculeMetrics metrics = evaluate_molecules(molecules, nullptr);
  std::printf("wrote %zu molecules to %s (%s)\n", molecules.size(), args.out.c_str(), describe(sampler, args).c_str());
  std::printf("validity %.3f, uniqueness %.3f, connected %.3f", metrics.validity(), metrics.uniqueness(),
              metrics.connected());
  // Stability counts hydrogens into valences: meaningless for heavy atoms only.
  const std::vector<int64_t> types = molecule_encoding(model.config).atom_types;
  const bool hydrogens = std::find(types.begin(), types.end(), 1) != types.end();
  if (hydrogens) {
    std::printf(", atom stability %.3f, molecule stability %.3f", metrics.atom_stability(), metrics.molecule_stability());
  }
  std::printf("\n");
  if (!args.json.empty()) {
    nlohmann::json scores = {{"validity", metrics.validity()}, {"uniqueness", metrics.uniqueness()},
                             {"connected", metrics.connected()}};
    if (hydrogens) {
      scores["atom_stability"] = metrics.atom_stability();
      scores["molecule_stability"] = metrics.molecule_stability();
    }
    write_json_record(args.json, record, {args.out}, scores);
  }
}

void run_sample(const SampleArguments& args) {
  if (!args.trajectory.empty()) check_png_destination(args.trajectory, "--trajectory");
  if (!args.json.empty()) {
    check(ends_with(args.json, ".json"), "--json " + args.json + ": expected a .json file");
    check_file_destination(args.json, "--json");
  }
  SamplerOptions options = sampler_options(args);  // flags are checked before any work
  const TrainedModel model = load_trained_model(args.run, !args.no_ema);
  const std::vector<int64_t> classes = chosen_classes(args.classes, model.config);  // checked before any work
  if (args.variance.empty()) options.variance = model.config.sampling.variance;
  model.network->to(device_from_string(args.device));
  const std::shared_ptr<const Denoiser> chosen =
      class_denoiser(make_denoiser(model, precision_from_string(args.precision)), args.classes, model.config);
  const Denoiser& denoiser = *chosen;
  const NoiseSchedule& schedule = denoiser.schedule();
  const std::unique_ptr<Sampler> sampler = make_sampler(args.sampler, schedule, options);
  const int64_t steps = args.steps > 0 ? args.steps : default_sampler_steps(args.sampler, schedule.num_timesteps());
  sampler->set_timesteps(steps);
  const GenerationRecord record = generation_record(*sampler, args);
  if (is_molecule_model(model.config)) {
    check(ends_with(args.out, ".sdf") || ends_with(args.out, ".xyz") || ends_with(args.out, ".png"),
          "--out " + args.out + ": molecules are written as .sdf (3-D with bonds), .xyz or .png (2-D drawings)");
    check(!ends_with(args.out, ".png") || args.num <= kMaxGridMolecules,
          "--out " + args.out + ": a picture holds at most " + std::to_string(kMaxGridMolecules) +
              " molecules; write .sdf or .xyz for --num " + std::to_string(args.num));
    check(args.trajectory.empty(), "--trajectory draws images and points, not molecules");
    check_file_destination(args.out, "--out");
    sample_molecules(args, model, denoiser, *sampler, record);
    return;
  }
  check(args.atoms == 0, "--atoms applies to molecule runs (qm9)");
  check(args.fix.empty(), "--fix applies to molecule runs (qm9)");

  GenerateOptions generate_options;
  generate_options.num_samples = args.num * std::max<int64_t>(1, static_cast<int64_t>(classes.size()));
  if (!classes.empty()) {  // --num samples of each class, class by class
    generate_options.class_labels =
        torch::tensor(classes, torch::kLong).repeat_interleave(args.num);
  }
  generate_options.batch_size = args.batch_size;
  generate_options.seed = args.seed;
  const bool points = model.network->sample_shape().size() == 1;
  if (classes.size() <= 1) check_samples_destination(args.out, points);
  if (classes.size() > 1) check(ends_with(args.out, ".png") || ends_with(args.out, ".csv"),
                                "--out " + args.out + ": --class all writes one .png (a row per class) or one .csv");
  if (!args.trajectory.empty()) {
    generate_options.trajectory_frames = 10;
    generate_options.trajectory_samples = points ? args.num : 8;
  }
  const GenerateResult result = generate_with_progress(denoiser, *sampler, generate_options, args.quiet);

  std::ostringstream title;
  title << generate_options.num_samples << " samples, " << describe(*sampler, args) << (args.no_ema ? "" : ", EMA");
  const std::string class_text = describe_classes(args.classes, model.config);
  if (!class_text.empty()) title << ", " << class_text;
  const std::vector<std::string> written =
      classes.size() > 1 ? std::vector<std::string>{write_class_samples(args.out, result.samples, args.num,
                                                                        model.config.data.class_names, title.str(),
                                                                        record.png_text())}
                         : write_samples(args.out, result.samples, title.str(), record.png_text());
  std::printf("wrote %zu file%s: %s%s\n", written.size(), written.size() == 1 ? "" : "s", written.front().c_str(),
              written.size() > 1 ? " ..." : "");
  if (!args.trajectory.empty()) {
    std::ostringstream trajectory_title;
    trajectory_title << "reverse process, " << describe(*sampler, args);
    save_png(args.trajectory, render_trajectory(result.trajectory, result.trajectory_timesteps, trajectory_title.str()),
             record.png_text());
    std::printf("wrote %s\n", args.trajectory.c_str());
  }
  if (!args.json.empty()) {
    std::vector<std::string> outputs = written;
    if (!args.trajectory.empty()) outputs.push_back(args.trajectory);
    write_json_record(args.json, record, outputs);
  }
}

}  // namespace

Command add_sample_command(CLI::App& app) {
  auto args = std::make_shared<SampleArguments>();
  CLI::App* command = app.add_subcommand("sample", "Generate samples from a trained run with any sampler");
  command->add_option("--run", args->run, "run directory written by 'diffuse train'")->required();
  command->add_option("--out", args->out, "grid.png, DIR/ (one PNG per sample), samples.csv, or for molecules mols.sdf, mols.xyz or grid.png")->required();
  command->add_option("--num", args->num, "number of samples (of each class with --class all)")->check(whole_number_in(1, 10000000))->capture_default_str();
  command->add_option("--steps", args->steps, "reverse steps K (default: T, the training steps, for ddpm; 50 for the others)")
      ->check(positive());
  command->add_option("--sampler", args->sampler, "ddpm, ddim, dpm++2m, dpm++2m-sde, euler or heun (see docs/samplers.md)")
      ->check(CLI::IsMember(sampler_names()))
      ->capture_default_str();
  command->add_option("--spacing", args->spacing, "which K timesteps: linspace, leading, trailing or karras "
                                                  "(default: karras for dpm++2m, dpm++2m-sde, euler and heun; linspace for ddpm and ddim)")
      ->check(CLI::IsMember(spacing_names()));
  command->add_option("--temperature", args->temperature,
                      "scales x_T and the injected noise: 1 the model, <1 smoother and less diverse")
      ->check(number_in(0.0, 10.0))
      ->capture_default_str();
  command->add_option("--variance", args->variance, "ddpm: reverse variance beta or beta_tilde (default: the run's)")
      ->check(CLI::IsMember({"beta_tilde", "beta"}));
  command->add_option("--eta", args->eta, "ddim: 0 deterministic (default), 1 as much noise as DDPM")
      ->check(number_in(0.0, 1.0));
  command->add_option("--churn", args->s_churn, "euler, heun: S_churn of Karras et al. Algorithm 2 (default 0)")
      ->check(number_in(0.0, 1000.0));
  command->add_option("--s-noise", args->s_noise, "euler, heun: S_noise, the scale of the churn noise (default 1)")
      ->check(number_in(0.0, 10.0));
  command->add_option("--s-tmin", args->s_tmin, "euler, heun: churn only where sigma >= S_tmin (default 0)")
      ->check(non_negative());
  command->add_option("--s-tmax", args->s_tmax, "euler, heun: churn only where sigma <= S_tmax (default inf)")
      ->check(non_negative());
  add_seed_option(*command, args->seed, "seed of the noise");
  command->add_option("--batch-size", args->batch_size, "samples per network evaluation")
      ->check(positive())
      ->capture_default_str();
  command->add_option("--trajectory", args->trajectory, "also write the reverse process of a few samples to this PNG");
  command->add_option("--json", args->json, "also write the parameters, the files written and (molecules) their scores "
                                            "to this JSON file");
  command->add_option("--atoms", args->atoms, "molecules: every molecule with this many atoms (default: sizes drawn "
                                              "from the training data)")
      ->check(positive());
  command->add_option("--fix", args->fix, "molecules: keep these atoms (part.xyz or part.sdf, one molecule) at their "
                                          "positions and generate the rest (scaffold completion)");
  command->add_flag("--no-ema", args->no_ema, "use the raw weights instead of the EMA weights");
  add_class_options(*command, args->classes, "for every class in turn, --num samples each (a row or panel per class)");
  add_precision_option(*command, args->precision, "what the network computes in");
  add_device_option(*command, args->device);
  command->add_flag("--quiet", args->quiet, "no progress bar");
  return {command, [args] { run_sample(*args); }};
}

}  // namespace diffuse::cli
