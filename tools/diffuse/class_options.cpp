#include "class_options.h"

#include <cctype>
#include <sstream>

#include "diffuse/data/data_spec.h"
#include "diffuse/guidance.h"
#include "diffuse/trained_model.h"
#include "diffuse/util/error.h"

namespace diffuse::cli {

namespace {

bool all_digits(const std::string& text) {
  if (text.empty() || text.size() > 9) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string listing(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) text += (i ? ", " : "") + std::to_string(i) + " " + names[i];
  return text;
}

}  // namespace

void add_class_options(CLI::App& command, ClassArguments& args, const std::string& all_help) {
  command.add_option("--class", args.choice,
                     "class-conditional runs: the class, by number or name" + (all_help.empty() ? "" : ", or 'all' " + all_help));
  command.add_option("--guidance", args.guidance,
                     "guidance S (needs --class, or --guide-run): 1 the model as trained (default), 0 the null label "
                     "(or the --guide-run model), >1 stronger: eps_u + S (eps_c - eps_u)");
  add_guidance_shape_options(command, args.guidance_interval, args.guidance_parallel);
  add_guide_run_option(command, args.guide_run);
}

void add_guide_run_option(CLI::App& command, std::string& guide_run) {
  command.add_option("--guide-run", guide_run,
                     "RUN: autoguidance (Karras et al. 2024): a weaker run of the same data (fewer steps, a smaller "
                     "network) takes the null label's place, eps_weak + S (eps - eps_weak); needs --guidance S");
}

std::shared_ptr<const Denoiser> load_guide(const std::string& guide_run, const Denoiser& base, const RunConfig& config) {
  if (guide_run.empty()) return nullptr;
  const TrainedModel guide = load_trained_model(guide_run);
  // The same kind of data (an MNIST folder may live anywhere), the same toy distribution, the same classes.
  const DataSpec guide_data = parse_data_spec(guide.config.data.spec), data = parse_data_spec(config.data.spec);
  check(guide_data.kind == data.kind && (data.kind != "toy2d" || guide_data.argument == data.argument) &&
            guide.config.data.class_names == config.data.class_names,
        "--guide-run " + guide_run + " was trained on '" + guide.config.data.spec +
            "', the run it guides on '" + config.data.spec + "': autoguidance needs a weaker model of the same data");
  const std::vector<torch::Tensor> parameters = base.network().parameters();
  if (!parameters.empty()) guide.network->to(parameters.front().device());  // where the guided model runs
  return std::make_shared<const Denoiser>(make_denoiser(guide, base.precision()));
}

void add_guidance_shape_options(CLI::App& command, std::string& interval, double& parallel) {
  command.add_option("--guidance-interval", interval,
                     "LO,HI: guide only at noise levels sigma_t in (LO, HI], the plain conditional model elsewhere "
                     "(Kynkaanniemi et al. 2024), e.g. 0.3,5 (default: every step)");
  command.add_option("--guidance-parallel", parallel,
                     "ETA: weight of the guidance update's part parallel to the conditional x0 (adaptive projected "
                     "guidance, Sadat et al. 2024): 1 classifier-free guidance, 0 only the orthogonal part")
      ->capture_default_str();
}

GuidanceShape parse_guidance_shape(const std::string& interval, double parallel) {
  check_guidance_parallel(parallel);
  return {parse_guidance_interval(interval), parallel};
}

std::vector<int64_t> chosen_classes(const ClassArguments& args, const RunConfig& config) {
  if (args.guidance) check_guidance_scale(*args.guidance);
  parse_guidance_shape(args.guidance_interval, args.guidance_parallel);  // its errors before any work
  check(args.guide_run.empty() || args.guidance, "--guide-run needs --guidance S: how far to steer away from the weaker model");
  if (args.choice.empty() && !args.guide_run.empty()) {
    check(config.model->num_classes == 0, "--guide-run on a class-conditional run needs --class");
    return {};
  }
  if (args.choice.empty()) {
    check(!args.guidance, "--guidance needs --class (guidance steers samples towards a class) or --guide-run (autoguidance)");
    check(args.guidance_interval.empty(), "--guidance-interval needs --class and --guidance");
    check(args.guidance_parallel == 1.0, "--guidance-parallel needs --class and --guidance");
    return {};
  }
  check(args.guidance_interval.empty() || args.guidance,
        "--guidance-interval needs --guidance S: it says at which noise levels guidance S applies");
  check(args.guidance_parallel == 1.0 || args.guidance,
        "--guidance-parallel needs --guidance S: it shapes the update that guidance S scales");
  const int64_t classes = config.model->num_classes;
  check(classes > 0, "--class: this run was trained without classes (train with --conditional on labelled data)");
  const std::vector<std::string>& names = config.data.class_names;
  if (args.choice == "all") {
    std::vector<int64_t> every;
    for (int64_t c = 0; c < classes; ++c) every.push_back(c);
    return every;
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == args.choice && !all_digits(args.choice)) return {static_cast<int64_t>(i)};
  }
  check(all_digits(args.choice), "--class " + args.choice + ": no such class; the run's classes are " + listing(names));
  const int64_t c = std::stoll(args.choice);
  check(c < classes, "--class " + args.choice + " is out of range: the run has " + std::to_string(classes) +
                         " classes (0 to " + std::to_string(classes - 1) + "): " + listing(names));
  return {c};
}

void check_classes_match_features(const RunConfig& run, const std::string& features_data_spec,
                                  const std::string& features_directory) {
  const std::string run_kind = parse_data_spec(run.data.spec).kind;
  const std::string feature_kind = parse_data_spec(features_data_spec).kind;
  check(run_kind == feature_kind && (run_kind == "mnist" || run_kind == "fashion-mnist"),
        "class accuracy needs a feature network trained on the run's own labelled data: the run's classes are those of '" +
            run.data.spec + "', the classifier in " + features_directory + " was trained on '" + features_data_spec + "'");
}

std::shared_ptr<const Denoiser> class_denoiser(const Denoiser& base, const ClassArguments& args, const RunConfig& config) {
  // A named guide is always loaded and checked, even at S = 1 where it is not asked.
  if (args.guide_run.empty() && (args.choice.empty() || args.guidance.value_or(1.0) == 1.0)) {
    return std::make_shared<Denoiser>(base);
  }
  return std::make_shared<GuidedDenoiser>(base, args.guidance.value_or(1.0),
                                          parse_guidance_shape(args.guidance_interval, args.guidance_parallel),
                                          load_guide(args.guide_run, base, config));
}

std::string describe_guidance_shape(const GuidanceShape& shape, const std::string& guide_run) {
  std::vector<std::string> parts;
  if (!shape.interval.everywhere()) parts.push_back(shape.interval.describe());
  if (shape.parallel != 1.0) {
    std::ostringstream parallel;
    parallel << "parallel " << shape.parallel;
    parts.push_back(parallel.str());
  }
  if (!guide_run.empty()) parts.push_back("guided by " + guide_run);
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) text += (i ? ", " : "") + parts[i];
  return text;
}

void add_classes_to_record(GenerationRecord& record, const ClassArguments& args) {
  if (!args.choice.empty()) record.add("class", args.choice);
  if (args.guidance) record.add("guidance", *args.guidance);
  if (!args.guidance_interval.empty()) record.add("guidance_interval", args.guidance_interval);
  if (args.guidance_parallel != 1.0) record.add("guidance_parallel", args.guidance_parallel);
  if (!args.guide_run.empty()) record.add("guide_run", args.guide_run);
}

std::string describe_classes(const ClassArguments& args, const RunConfig& config) {
  if (args.choice.empty() && args.guide_run.empty()) return "";
  std::ostringstream text;
  if (!args.choice.empty()) {
    const std::vector<int64_t> classes = chosen_classes(args, config);
    if (classes.size() == 1) {
      text << "class " << classes.front() << " (" << config.data.class_names[static_cast<size_t>(classes.front())] << "), ";
    } else {
      text << "every class, ";
    }
  }
  text << "guidance " << args.guidance.value_or(1.0);
  const std::string shaped =
      describe_guidance_shape(parse_guidance_shape(args.guidance_interval, args.guidance_parallel), args.guide_run);
  if (!shaped.empty()) text << ", " << shaped;
  return text.str();
}

}  // namespace diffuse::cli
