#include "upscale_settings.h"

#include <algorithm>

#include "common_options.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/util/error.h"
#include "option_checks.h"

namespace diffuse::cli {

void add_upscale_settings_options(CLI::App& command, UpscaleSettings& settings) {
  command.add_option("--steps", settings.steps, "network evaluations: posterior iterations (default " +
                                                    std::to_string(UpscaleSettings::kDefaultPosteriorIterations) + ") or sampling steps (default " +
                                                    std::to_string(UpscaleSettings::kDefaultSamplerSteps) + ")")
      ->check(whole_number_in(1, 100000));
  command.add_option("--sampler", settings.sampler, "sample: the sampler")
      ->check(CLI::IsMember(sampler_names()))
      ->capture_default_str();
  command.add_option("--strength", settings.strength, "sample: where sampling starts: 1 from pure noise; below 1 from "
                                                      "the bicubic upscale noised to t0 = strength T, the steps spread "
                                                      "from there (less invented detail)")
      ->check(positive())
      ->check(number_in(0.0, 1.0))
      ->capture_default_str();
}

void check_sample_only_options(const CLI::App& command, const std::vector<std::string>& methods) {
  if (std::find(methods.begin(), methods.end(), "sample") != methods.end()) return;
  for (const char* name : {"--sampler", "--strength"}) {
    check(command.count(name) == 0, std::string(name) + " applies to the sample method, not posterior");
  }
}

}  // namespace diffuse::cli
