#include "diffuse/serve/molecule_job.h"

#include <memory>

#include <torch/torch.h>

#include "diffuse/apps/molecule_generation.h"
#include "diffuse/io/image.h"
#include "diffuse/metrics/molecule_metrics.h"
#include "diffuse/molecules/molecule_grid.h"
#include "diffuse/molecules/rdkit_chemistry.h"
#include "diffuse/sampling/sampler.h"

namespace diffuse {

int64_t max_molecule_atoms(const RunConfig& config) { return molecule_encoding(config).max_atoms; }

JobResult run_molecule_job(const TrainedModel& model, const JobRequest& request, JobProgress& progress) {
  const Denoiser denoiser = make_denoiser(model);
  SamplerOptions sampler_options;
  sampler_options.temperature = request.temperature;
  sampler_options.variance = model.config.sampling.variance;
  const std::unique_ptr<Sampler> sampler = make_sampler(request.sampler, denoiser.schedule(), sampler_options);
  sampler->set_timesteps(request.steps);
  MoleculeGenerationOptions options;
  options.num_molecules = request.num;
  options.atoms = request.atoms.value_or(0);
  options.batch_size = request.num;
  options.seed = request.seed;
  options.on_step = [&progress](int64_t done, int64_t total) {
    if (progress.cancelled()) throw JobCancelled();
    progress.set_progress(done, total);
  };
  torch::NoGradGuard no_grad;
  const std::vector<Molecule> molecules = generate_molecules(denoiser, *sampler, model.config, options);
  const Canvas grid = draw_molecule_grid(molecules);
  progress.set_preview(encode_png(grid));
  JobResult result;
  result.content_type = "chemical/x-mdl-sdfile";
  result.body = format_sdf(molecules);
  result.file_name = "molecules.sdf";
  result.summary = evaluate_molecules(molecules, nullptr).to_json();
  return result;
}

}  // namespace diffuse
