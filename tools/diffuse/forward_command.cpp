// diffuse forward: a strip of one image destroyed by q(x_t | x_0).
#include <cstdio>
#include <memory>

#include <torch/torch.h>

#include "commands.h"
#include "common_options.h"
#include "option_checks.h"
#include "diffuse/data/data_spec.h"
#include "diffuse/io/grid.h"
#include "diffuse/io/image.h"
#include "diffuse/io/sample_output.h"
#include "diffuse/schedule.h"
#include "diffuse/util/error.h"

namespace diffuse::cli {

namespace {

struct ForwardArguments {
  std::string image;
  std::string data;
  int64_t index = 0;
  int64_t image_size = 128;
  std::string timesteps = "0,50,100,250,500,750,999";
  std::string schedule = "linear";
  int64_t num_timesteps = 1000;
  uint64_t seed = 0;
  std::string out = "forward.png";
};

// Image `index` of a training set: MNIST-style sets at their own 28x28,
// image folders as RGB at --image-size.
torch::Tensor dataset_image(const ForwardArguments& args) {
  ImageFormat format;
  if (parse_data_spec(args.data).kind == "images") format = {3, args.image_size};
  const std::unique_ptr<Dataset> dataset = open_dataset(args.data, format);
  check(dataset->is_image(), "--data " + args.data + " holds 2-D points, not images: the forward strip needs images");
  check(args.index >= 0 && args.index < dataset->size(), "--index " + std::to_string(args.index) + " is outside the " +
                                                             std::to_string(dataset->size()) + " images of " + args.data);
  return dataset->get_batch({args.index}).x0[0];
}

void run_forward(const ForwardArguments& args) {
  check(!args.image.empty() || !args.data.empty(), "give --image FILE or --data SPEC");
  check_png_destination(args.out, "--out");
  ScheduleConfig config;
  config.kind = schedule_kind_from_string(args.schedule);
  config.num_timesteps = args.num_timesteps;
  const NoiseSchedule schedule = NoiseSchedule::from_config(config);
  const std::vector<int64_t> timesteps = parse_int_list(args.timesteps, "--t");
  for (int64_t t : timesteps) {
    check(t >= 0 && t < schedule.num_timesteps(), "--t: timestep " + std::to_string(t) + " is outside [0, " +
                                                       std::to_string(schedule.num_timesteps() - 1) + "]");
  }
  const torch::Tensor image = args.image.empty() ? dataset_image(args) : load_image(args.image);
  // One noise draw for every column, so the strip shows the same noise growing.
  torch::Generator generator = at::detail::createCPUGenerator(args.seed);
  const torch::Tensor eps = torch::randn(image.sizes(), generator, torch::kFloat32);
  std::vector<torch::Tensor> frames{image.unsqueeze(0)};
  std::vector<std::string> captions{"original"};
  for (int64_t t : timesteps) {
    const torch::Tensor t_batch = torch::full({1}, t, torch::kLong);
    frames.push_back(schedule.q_sample(image.unsqueeze(0), eps.unsqueeze(0), t_batch).clamp(-1.0, 1.0));
    char caption[48];
    std::snprintf(caption, sizeof caption, "t=%lld a=%.3f", static_cast<long long>(t), schedule.alpha_bar(t));
    captions.emplace_back(caption);
  }
  const int64_t scale = std::max<int64_t>(1, 96 / std::max(image.size(1), image.size(2)));
  const Canvas strip = render_strips(torch::stack(frames, 0), captions, std::min<int64_t>(scale, 4),
                                     "forward process q(x_t | x_0), " + args.schedule + " schedule, T = " +
                                         std::to_string(args.num_timesteps));
  save_png(args.out, strip);
  std::printf("wrote %s (%zu timesteps, %lldx%lld image)\n", args.out.c_str(), timesteps.size(),
              static_cast<long long>(image.size(2)), static_cast<long long>(image.size(1)));
}

}  // namespace

Command add_forward_command(CLI::App& app) {
  auto args = std::make_shared<ForwardArguments>();
  CLI::App* command = app.add_subcommand("forward", "Show an image destroyed step by step by the forward process");
  auto* image = command->add_option("--image", args->image, "a PNG/JPEG/BMP image, grey or RGB, any size");
  auto* data = command->add_option("--data", args->data, "or an image of a dataset: mnist[:DIR], fashion-mnist[:DIR], images:DIR");
  image->excludes(data);
  command->add_option("--index", args->index, "which image of --data")->capture_default_str();
  command->add_option("--image-size", args->image_size, "size for images:DIR data")->check(positive());
  command->add_option("--t", args->timesteps, "comma-separated timesteps (0-based)")->capture_default_str();
  command->add_option("--schedule", args->schedule, "noise schedule")
      ->check(CLI::IsMember({"linear", "cosine", "sigmoid", "polynomial"}))
      ->capture_default_str();
  command->add_option("--timesteps", args->num_timesteps, "T, the number of diffusion steps")
      ->check(positive())
      ->capture_default_str();
  add_seed_option(*command, args->seed, "seed of the noise");
  command->add_option("--out", args->out, "output PNG")->capture_default_str();
  return {command, [args] { run_forward(*args); }};
}

}  // namespace diffuse::cli
