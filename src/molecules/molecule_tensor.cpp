#include "diffuse/molecules/molecule_tensor.h"

#include <algorithm>

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

Batch MoleculeEncoding::encode(const std::vector<Molecule>& molecules) const {
  const auto b = static_cast<int64_t>(molecules.size());
  const int64_t d = feature_dim();
  torch::Tensor x0 = torch::zeros({b, max_atoms, d}, torch::kFloat32);
  torch::Tensor mask = torch::zeros({b, max_atoms}, torch::kFloat32);
  auto x = x0.accessor<float, 3>();
  auto m = mask.accessor<float, 2>();
  for (int64_t i = 0; i < b; ++i) {
    const Molecule& molecule = molecules[static_cast<size_t>(i)];
    check(molecule.num_atoms() <= max_atoms, "molecule \"" + molecule.name + "\" has " +
                                                 std::to_string(molecule.num_atoms()) + " atoms; the model allows " +
                                                 std::to_string(max_atoms));
    for (int64_t a = 0; a < molecule.num_atoms(); ++a) {
      const int z = molecule.atomic_numbers[static_cast<size_t>(a)];
      const auto column = std::find(atom_types.begin(), atom_types.end(), z) - atom_types.begin();
      check(column < num_atom_types(), "molecule \"" + molecule.name + "\": atom " + std::to_string(a + 1) + " is " +
                                           element_symbol(z) + ", not one of the model's atom types");
      for (int k = 0; k < 3; ++k) x[i][a][k] = static_cast<float>(molecule.positions[static_cast<size_t>(a)][static_cast<size_t>(k)]);
      x[i][a][3 + column] = static_cast<float>(1.0 / kOneHotScale);
      x[i][a][d - 1] = static_cast<float>(z / kAtomicNumberScale);
      m[i][a] = 1.0f;
    }
  }
  Batch batch{x0, {}};
  batch.conditioning.mask = mask;
  return batch;
}

std::vector<Molecule> MoleculeEncoding::decode(const torch::Tensor& samples, const torch::Tensor& sample_mask) const {
  check(samples.dim() == 3 && samples.size(1) == max_atoms && samples.size(2) == feature_dim(),
        "molecules: expected samples [B, " + std::to_string(max_atoms) + ", " + std::to_string(feature_dim()) + "]");
  check(sample_mask.dim() == 2 && sample_mask.size(0) == samples.size(0) && sample_mask.size(1) == max_atoms,
        "molecules: the mask does not match the samples");
  const torch::Tensor x = samples.to(torch::kCPU, torch::kDouble).contiguous();
  const torch::Tensor types = x.slice(2, 3, 3 + num_atom_types()).argmax(2);
  const torch::Tensor mask = sample_mask.to(torch::kCPU, torch::kFloat32) > 0.5f;
  auto xs = x.accessor<double, 3>();
  auto ts = types.accessor<int64_t, 2>();
  auto ms = mask.accessor<bool, 2>();
  std::vector<Molecule> molecules;
  for (int64_t i = 0; i < x.size(0); ++i) {
    Molecule molecule;
    molecule.name = "sample " + std::to_string(i + 1);
    for (int64_t a = 0; a < max_atoms; ++a) {
      if (!ms[i][a]) continue;
      molecule.atomic_numbers.push_back(static_cast<int>(atom_types[static_cast<size_t>(ts[i][a])]));
      molecule.positions.push_back({xs[i][a][0], xs[i][a][1], xs[i][a][2]});
    }
    molecules.push_back(std::move(molecule));
  }
  return molecules;
}

torch::Tensor MoleculeEncoding::mask_for_counts(const std::vector<int64_t>& counts) const {
  torch::Tensor mask = torch::zeros({static_cast<int64_t>(counts.size()), max_atoms}, torch::kFloat32);
  for (size_t i = 0; i < counts.size(); ++i) {
    check(counts[i] >= 1 && counts[i] <= max_atoms, "molecules: an atom count of " + std::to_string(counts[i]) +
                                                        " is outside 1 to " + std::to_string(max_atoms));
    mask[static_cast<int64_t>(i)].slice(0, 0, counts[i]).fill_(1.0f);
  }
  return mask;
}

}  // namespace diffuse
