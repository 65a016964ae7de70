#include "diffuse/run_config.h"

#include "diffuse/models/egnn.h"
#include "diffuse/models/mlp.h"
#include "diffuse/models/temporal_unet.h"
#include "diffuse/planning/maze_trajectories.h"
#include "diffuse/models/unet.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

struct Preset {
  const char* name;
  const char* description;
  RunConfig (*make)();
};

UNetConfig unet(int64_t channels, int64_t size, int64_t ch, std::vector<int64_t> ch_mult, int64_t blocks,
                std::vector<int64_t> attention, double dropout, int64_t groups) {
  UNetConfig c;
  c.in_channels = c.out_channels = channels;
  c.image_size = size;
  c.ch = ch;
  c.ch_mult = std::move(ch_mult);
  c.num_res_blocks = blocks;
  c.attn_resolutions = std::move(attention);
  c.dropout = dropout;
  c.num_groups = groups;
  return c;
}

RunConfig cifar10() {
  // Ho et al. 2020, appendix B: 35.7M parameters, T = 1000, linear betas,
  // dropout 0.1, lr 2e-4, batch 128, EMA 0.9999, random flips.
  RunConfig c;
  c.preset = "cifar10";
  c.model = unet(3, 32, 128, {1, 2, 2, 2}, 2, {16}, 0.1, 32);
  c.data.random_flip = true;
  c.training.batch_size = 128;
  c.training.steps = 800000;
  c.training.warmup_steps = 5000;
  return c;
}

RunConfig mnist() {
  RunConfig c;
  c.preset = "mnist";
  c.model = unet(1, 28, 64, {1, 2, 2}, 2, {14}, 0.1, 32);
  c.training.steps = 50000;
  return c;
}

RunConfig mnist_small() {
  // Small enough to learn recognisable 28x28 digits in well under an hour on
  // two CPU cores: half the channels, one block per level, attention only at
  // 7x7, no dropout (short runs do not overfit), faster EMA.
  RunConfig c;
  c.preset = "mnist-small";
  c.model = unet(1, 28, 32, {1, 2, 2}, 1, {7}, 0.0, 8);
  c.training.steps = 8000;
  c.training.batch_size = 64;
  c.training.learning_rate = 5e-4;
  c.training.warmup_steps = 200;
  c.training.ema_decay = 0.999;
  c.training.checkpoint_every = 500;
  c.training.sample_every = 1000;
  return c;
}

RunConfig photo_grey() {
  // A prior of natural grey photographs for restoring them (denoise,
  // upscale), sized to train in two hours on two CPU cores: random 64x64
  // crops of the photos at their own resolution in all 8 orientations (as
  // DnCNN trains on train400), four levels of 32 to 64 channels down to 8x8,
  // one block per level, and no attention but the middle one's, so the
  // network is close to translation invariant and the tiles of a whole
  // photograph agree. 7,500 steps of 32 crops take two hours on two cores
  // (1.1 it/s); 64 base channels would manage a quarter of that.
  RunConfig c;
  c.preset = "photo-grey";
  c.model = unet(1, 64, 32, {1, 2, 2, 2}, 1, {}, 0.0, 8);
  c.data.random_crops = true;
  c.training.steps = 7500;
  c.training.batch_size = 32;
  c.training.learning_rate = 3e-4;
  c.training.warmup_steps = 200;
  c.training.ema_decay = 0.999;
  c.training.checkpoint_every = 500;
  c.training.sample_every = 1000;
  return c;
}

RunConfig toy2d() {
  RunConfig c;
  c.preset = "toy2d";
  c.model = MlpConfig{};
  c.schedule.num_timesteps = 1000;
  c.sampling.clip_x0 = false;  // 2-D points are not bounded to [-1, 1]
  c.training.steps = 5000;
  c.training.batch_size = 256;
  c.training.learning_rate = 1e-3;
  c.training.warmup_steps = 100;
  c.training.ema_decay = 0.995;
  c.training.checkpoint_every = 1000;
  c.training.preview_samples = 2000;
  c.training.preview_steps = 200;
  return c;
}

// EDM for molecules (Hoogeboom et al. 2022): EGNN dynamics of `layers`
// blocks of `features` over QM9's atoms (at most 29 of H, C, N, O, F) or
// its heavy atoms (at most 9 of C, N, O, F); polynomial_2 schedule with
// s = 1e-5 and T = 1000, eps prediction, no clipping.
RunConfig molecules(const char* name, bool hydrogens, int64_t features, int64_t layers) {
  EgnnConfig model;
  model.max_atoms = hydrogens ? 29 : 9;
  model.atom_types = hydrogens ? std::vector<int64_t>{1, 6, 7, 8, 9} : std::vector<int64_t>{6, 7, 8, 9};
  model.hidden_dim = features;
  model.num_layers = layers;
  model.num_timesteps = 1000;
  RunConfig c;
  c.preset = name;
  c.model = std::move(model);
  c.data.no_hydrogens = !hydrogens;
  c.schedule.kind = ScheduleKind::kPolynomial;
  c.schedule.num_timesteps = 1000;
  c.schedule.polynomial_power = 2.0;
  c.schedule.polynomial_s = 1e-5;
  c.sampling.clip_x0 = false;
  c.training.batch_size = 64;
  c.training.sample_every = 0;  // molecules are looked at with diffuse sample / molecules eval
  return c;
}

RunConfig qm9_small() {
  // Heavy atoms only, sized to train in two hours on two CPU cores.
  RunConfig c = molecules("qm9-small", false, 128, 6);
  c.training.steps = 25000;  // 3.6 it/s on two cores: just under two hours
  c.training.learning_rate = 3e-4;
  c.training.warmup_steps = 500;
  c.training.ema_decay = 0.999;
  c.training.checkpoint_every = 1000;
  return c;
}

RunConfig qm9_small_h() {
  // EDM's setting (every atom) on a CPU budget. The network computes
  // 29 x 29 atom pairs instead of 9 x 9 (about 10x the work), so qm9-small's
  // 128 features would train at 0.65 it/s on two cores in bf16; 64 features
  // train at 1.4 it/s with --precision bf16 (0.8 in fp32): 10,000 steps in
  // two hours.
  RunConfig c = molecules("qm9-small-h", true, 64, 6);
  c.training.steps = 10000;
  c.training.learning_rate = 3e-4;
  c.training.warmup_steps = 500;
  c.training.ema_decay = 0.999;
  c.training.checkpoint_every = 500;
  return c;
}

RunConfig qm9_edm() {
  // EDM's published QM9 model: 9 equivariant blocks of 256 features, one
  // message layer each, with hydrogens; Adam at 1e-4, batch 64, EMA 0.9999.
  // Meant for a GPU.
  RunConfig c = molecules("qm9-edm", true, 256, 9);
  c.training.steps = 1000000;
  c.training.learning_rate = 1e-4;
  c.training.warmup_steps = 0;
  c.training.ema_decay = 0.9999;
  c.training.checkpoint_every = 5000;
  return c;
}

// Diffuser on Maze2D (Janner et al. 2022, appendix C; its config/maze2d.py):
// the temporal U-Net with channels 32 x (1, 4, 8) over [action, observation]
// trajectories of `horizon` steps, cosine schedule, x0 prediction clipped to
// the normalised range, Adam at 2e-4 with batches of 32 x 2 accumulated
// (here: 64), EMA 0.995 every 10 steps (here: 0.9995 every step).
RunConfig maze2d(const char* name, int64_t horizon, int64_t timesteps, int64_t steps) {
  TemporalUNetConfig model;
  model.horizon = horizon;
  model.transition_dim = kMazeTransitionDim;
  model.dim = 32;
  model.dim_mults = {1, 4, 8};
  RunConfig c;
  c.preset = name;
  c.model = model;
  c.schedule.kind = ScheduleKind::kCosine;
  c.schedule.num_timesteps = timesteps;
  c.prediction = Prediction::kX0;
  c.sampling.clip_x0 = true;
  c.training.steps = steps;
  c.training.batch_size = 64;
  c.training.learning_rate = 2e-4;
  c.training.warmup_steps = 0;
  c.training.ema_decay = 0.9995;
  c.training.checkpoint_every = 1000;
  c.training.sample_every = 0;
  c.training.preview_steps = timesteps;  // at most T
  return c;
}

RunConfig maze2d_umaze() { return maze2d("maze2d-umaze", 128, 64, 20000); }
RunConfig maze2d_medium() { return maze2d("maze2d-medium", 256, 256, 20000); }
RunConfig maze2d_large() { return maze2d("maze2d-large", 384, 256, 20000); }

// Hierarchical Diffuser's sparse planner (Chen et al. 2024, appendix A):
// the same network and schedule over every 15th state of a window (K = 15),
// so a plan of `subgoals` rows is 15 (subgoals - 1) + 1 steps long. HD's
// windows hold 8 / 17 / 26 subgoals; the temporal U-Net takes multiples of
// 4, so these hold 8 / 16 / 24 (plans of 106 / 226 / 346 steps against
// HD's 106 / 241 / 376 and Diffuser's 128 / 256 / 384).
constexpr int64_t kSparseStride = 15;
RunConfig maze2d_sparse(const char* name, int64_t subgoals, int64_t timesteps, int64_t steps) {
  RunConfig c = maze2d(name, subgoals, timesteps, steps);
  c.data.trajectory_stride = kSparseStride;
  return c;
}
// Hierarchical Diffuser's low level (its config/maze2d_ll.py): the dense
// planner over windows of K + 1 = 16 steps, both ends known, T = 128; one
// setting for every maze, trained on each maze's own data (its limits).
RunConfig maze2d_low(const char* name) { return maze2d(name, kSparseStride + 1, 128, 20000); }
RunConfig maze2d_umaze_low() { return maze2d_low("maze2d-umaze-low"); }
RunConfig maze2d_medium_low() { return maze2d_low("maze2d-medium-low"); }
RunConfig maze2d_large_low() { return maze2d_low("maze2d-large-low"); }
RunConfig maze2d_umaze_sparse() { return maze2d_sparse("maze2d-umaze-sparse", 8, 64, 40000); }
RunConfig maze2d_medium_sparse() { return maze2d_sparse("maze2d-medium-sparse", 16, 256, 40000); }
RunConfig maze2d_large_sparse() { return maze2d_sparse("maze2d-large-sparse", 24, 256, 40000); }

constexpr Preset kPresets[] = {
    {"mnist-small", "28x28 grey U-Net (1.1M parameters), recognisable digits in minutes on a CPU", mnist_small},
    {"mnist", "28x28 grey U-Net (6.5M parameters), Ho et al. blocks at MNIST scale", mnist},
    {"cifar10", "32x32 RGB U-Net of Ho et al. 2020 for CIFAR-10 (35.7M parameters)", cifar10},
    {"photo-grey", "64x64 grey U-Net on random crops of photographs (images:DIR), a prior for diffuse denoise and "
                   "upscale", photo_grey},
    {"toy2d", "time-conditioned MLP for 2-D toy distributions", toy2d},
    {"qm9-small", "EGNN for QM9 heavy atoms (--no-hydrogens), trains in two hours on a CPU", qm9_small},
    {"qm9-small-h", "EGNN (6 x 64) for QM9 with hydrogens (29 atoms), trains in two hours on a CPU with --precision bf16", qm9_small_h},
    {"qm9-edm", "EDM's QM9 model with hydrogens (9 x 256 EGNN), for a GPU", qm9_edm},
    {"maze2d-umaze", "Diffuser's temporal U-Net for maze2d-umaze plans (horizon 128, T = 64)", maze2d_umaze},
    {"maze2d-medium", "Diffuser's temporal U-Net for maze2d-medium plans (horizon 256, T = 256)", maze2d_medium},
    {"maze2d-large", "Diffuser's temporal U-Net for maze2d-large plans (horizon 384, T = 256)", maze2d_large},
    {"maze2d-umaze-sparse", "Hierarchical Diffuser's sparse planner for maze2d-umaze: 8 subgoals 15 steps apart",
     maze2d_umaze_sparse},
    {"maze2d-medium-sparse", "Hierarchical Diffuser's sparse planner for maze2d-medium: 16 subgoals 15 steps apart",
     maze2d_medium_sparse},
    {"maze2d-large-sparse", "Hierarchical Diffuser's sparse planner for maze2d-large: 24 subgoals 15 steps apart",
     maze2d_large_sparse},
    {"maze2d-umaze-low", "Hierarchical Diffuser's low level for maze2d-umaze: 16-step segments between subgoals",
     maze2d_umaze_low},
    {"maze2d-medium-low", "Hierarchical Diffuser's low level for maze2d-medium: 16-step segments between subgoals",
     maze2d_medium_low},
    {"maze2d-large-low", "Hierarchical Diffuser's low level for maze2d-large: 16-step segments between subgoals",
     maze2d_large_low},
};

}  // namespace

RunConfig preset_config(const std::string& name) {
  for (const auto& preset : kPresets) {
    if (name == preset.name) return preset.make();
  }
  std::string names;
  for (const auto& preset : kPresets) names += std::string(names.empty() ? "" : ", ") + preset.name;
  throw Error("unknown preset '" + name + "': expected one of " + names);
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const auto& preset : kPresets) names.emplace_back(preset.name);
  return names;
}

std::string preset_description(const std::string& name) {
  for (const auto& preset : kPresets) {
    if (name == preset.name) return preset.description;
  }
  throw Error("unknown preset '" + name + "'");
}

}  // namespace diffuse
