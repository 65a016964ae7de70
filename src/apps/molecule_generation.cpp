#include "diffuse/apps/molecule_generation.h"

#include <functional>
#include <memory>
#include <numeric>

#include <torch/torch.h>

#include "diffuse/apps/fixed_atoms.h"
#include "diffuse/models/egnn.h"
#include "diffuse/noise.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/util/error.h"

namespace diffuse {

bool is_molecule_model(const RunConfig& config) { return config.model.get_if<EgnnConfig>() != nullptr; }

MoleculeEncoding molecule_encoding(const RunConfig& config) {
  const auto* egnn = config.model.get_if<EgnnConfig>();
  check(egnn != nullptr, "this run's model (" + config.model->type() + ") does not generate molecules");
  return MoleculeEncoding{egnn->atom_types, egnn->max_atoms};
}

std::vector<int64_t> draw_atom_counts(std::vector<int64_t> histogram, int64_t count, std::uint64_t seed,
                                      int64_t first, int64_t min_atoms) {
  const bool any = std::accumulate(histogram.begin(), histogram.end(), int64_t{0}) > 0;
  check(any, "no atom-count histogram in the run (data.atom_count_histogram): give --atoms N");
  for (size_t atoms = 0; atoms < histogram.size() && static_cast<int64_t>(atoms) < min_atoms; ++atoms) {
    histogram[atoms] = 0;
  }
  const int64_t total = std::accumulate(histogram.begin(), histogram.end(), int64_t{0});
  check(total > 0, "the training data has no molecules of " + std::to_string(min_atoms) +
                       " atoms or more: give --atoms N");
  // A stream of its own, apart from the samples' noise streams.
  const std::uint64_t key = derive_key(seed, 0x61746f6d73 /* "atoms" */);
  std::vector<int64_t> counts;
  for (int64_t i = 0; i < count; ++i) {
    const double u = keyed_uniform(derive_key(key, static_cast<std::uint64_t>(first + i)), 0);
    auto target = static_cast<int64_t>(u * static_cast<double>(total));
    int64_t atoms = 0;
    while (atoms + 1 < static_cast<int64_t>(histogram.size()) && target >= histogram[static_cast<size_t>(atoms)]) {
      target -= histogram[static_cast<size_t>(atoms)];
      ++atoms;
    }
    counts.push_back(atoms);
  }
  return counts;
}

std::vector<Molecule> generate_molecules(const Denoiser& denoiser, Sampler& sampler, const RunConfig& config,
                                         const MoleculeGenerationOptions& options) {
  const MoleculeEncoding encoding = molecule_encoding(config);
  check(options.num_molecules >= 1, "molecules: the number of molecules must be >= 1");
  check(options.atoms >= 0 && options.atoms <= encoding.max_atoms,
        "--atoms " + std::to_string(options.atoms) + ": the model makes molecules of 1 to " +
            std::to_string(encoding.max_atoms) + " atoms");
  const int64_t num_fixed = options.fixed.num_atoms();
  check(options.atoms == 0 || options.atoms > num_fixed,
        "--atoms " + std::to_string(options.atoms) + ": more atoms than the " + std::to_string(num_fixed) +
            " fixed ones are needed");
  const std::vector<int64_t> counts =
      options.atoms > 0 ? std::vector<int64_t>(static_cast<size_t>(options.num_molecules), options.atoms)
                        : draw_atom_counts(config.data.atom_count_histogram, options.num_molecules, options.seed, 0,
                                           num_fixed + 1);
  GenerateOptions generate_options;
  generate_options.num_samples = options.num_molecules;
  generate_options.batch_size = options.batch_size;
  generate_options.seed = options.seed;
  generate_options.mask = encoding.mask_for_counts(counts);
  generate_options.on_step = options.on_step;
  std::unique_ptr<FixedAtoms> fixed;
  if (num_fixed > 0) {
    fixed = std::make_unique<FixedAtoms>(denoiser.schedule(), encoding, options.fixed, generate_options.mask);
    generate_options.hooks.push_back(std::cref(*fixed));
  }
  const GenerateResult result = generate(denoiser, sampler, generate_options);
  std::vector<Molecule> molecules = encoding.decode(result.samples, generate_options.mask);
  if (fixed) {
    for (Molecule& molecule : molecules) molecule = fixed->place(molecule);
  }
  return molecules;
}

}  // namespace diffuse
