#include "diffuse/data/qm9.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <numeric>

#include "diffuse/molecules/xyz_file.h"
#include "diffuse/noise.h"
#include "diffuse/util/error.h"

#include <torch/torch.h>

namespace diffuse {

std::string qm9_file(const std::string& spec) {
  const auto colon = spec.find(':');
  check(spec.substr(0, colon) == "qm9", "data '" + spec + "' is not QM9: expected qm9[:DIR]");
  std::string directory = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (directory.empty()) {
    const char* root = std::getenv("DIFFUSE_DATA");
    directory = (std::filesystem::path(root != nullptr && *root != '\0' ? root : "data") / "qm9").string();
  }
  std::error_code error;
  for (const char* name : {"qm9.xyz.gz", "qm9.xyz"}) {
    const std::string path = (std::filesystem::path(directory) / name).string();
    if (std::filesystem::is_regular_file(path, error)) return path;
  }
  throw Error("no QM9 in " + directory + ": expected qm9.xyz.gz or qm9.xyz there (give qm9:DIR, or set DIFFUSE_DATA "
              "to the folder that holds qm9/)");
}

Qm9Split split_qm9(int64_t num_molecules, std::uint64_t seed) {
  check(num_molecules >= 3, "QM9 split: at least 3 molecules are needed, found " + std::to_string(num_molecules));
  std::vector<int64_t> order(static_cast<size_t>(num_molecules));
  std::iota(order.begin(), order.end(), 0);
  // Fisher-Yates on the keyed stream of `seed`: the same split on every
  // machine and with every standard library.
  const std::uint64_t key = derive_key(seed, 0x716d39 /* "qm9" */);
  for (int64_t i = num_molecules - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(keyed_uniform(key, static_cast<std::uint64_t>(i)) * static_cast<double>(i + 1));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(std::min(j, i))]);
  }
  const int64_t num_test = std::max<int64_t>(1, num_molecules / 10);
  const int64_t num_train = std::min<int64_t>(100000, num_molecules - 2 * num_test);
  Qm9Split split;
  split.train.assign(order.begin(), order.begin() + num_train);
  split.test.assign(order.begin() + num_train, order.begin() + num_train + num_test);
  split.validation.assign(order.begin() + num_train + num_test, order.end());
  for (auto* part : {&split.train, &split.validation, &split.test}) std::sort(part->begin(), part->end());
  return split;
}

std::vector<Molecule> read_qm9_split(const std::string& spec, const std::string& part, bool no_hydrogens,
                                     std::uint64_t seed) {
  check(part == "train" || part == "validation" || part == "test",
        "QM9 split '" + part + "': expected train, validation or test");
  const std::string path = qm9_file(spec);
  std::vector<Molecule> all = read_xyz(path);
  const Qm9Split split = split_qm9(static_cast<int64_t>(all.size()), seed);
  const std::vector<int64_t>& indices = part == "train" ? split.train : part == "test" ? split.test : split.validation;
  std::vector<Molecule> molecules;
  molecules.reserve(indices.size());
  for (int64_t index : indices) {
    Molecule molecule = std::move(all[static_cast<size_t>(index)]);
    molecules.push_back(centred(no_hydrogens ? without_hydrogens(molecule) : molecule));
  }
  return molecules;
}

std::vector<int64_t> atom_count_histogram(const std::vector<Molecule>& molecules) {
  std::vector<int64_t> histogram;
  for (const Molecule& molecule : molecules) {
    const auto n = static_cast<size_t>(molecule.num_atoms());
    if (histogram.size() <= n) histogram.resize(n + 1, 0);
    ++histogram[n];
  }
  return histogram;
}

std::vector<int64_t> qm9_atom_types(bool no_hydrogens) {
  if (no_hydrogens) return {6, 7, 8, 9};
  return {1, 6, 7, 8, 9};
}

int64_t qm9_max_atoms(bool no_hydrogens) { return no_hydrogens ? 9 : 29; }

Qm9Dataset::Qm9Dataset(const std::vector<Molecule>& molecules, MoleculeEncoding encoding, std::string description)
    : encoding_(std::move(encoding)), histogram_(diffuse::atom_count_histogram(molecules)),
      description_(std::move(description)) {
  check(!molecules.empty(), "molecule data: no molecules");
  const Batch encoded = encoding_.encode(molecules);
  x0_ = encoded.x0;
  mask_ = encoded.conditioning.mask;
}

Qm9Dataset::Qm9Dataset(const std::string& spec, bool no_hydrogens, std::uint64_t split_seed)
    : Qm9Dataset(read_qm9_split(spec, "train", no_hydrogens, split_seed),
                 MoleculeEncoding{qm9_atom_types(no_hydrogens), qm9_max_atoms(no_hydrogens)}, "") {
  description_ = spec + " (" + std::to_string(size()) + " training molecules of " + qm9_file(spec) +
                 (no_hydrogens ? ", heavy atoms only" : ", with hydrogens") + ")";
}

Batch Qm9Dataset::get_batch(const std::vector<int64_t>& indices) const {
  const torch::Tensor index = torch::tensor(indices, torch::kLong);
  Batch batch{x0_.index_select(0, index), {}};
  batch.conditioning.mask = mask_.index_select(0, index);
  return batch;
}

}  // namespace diffuse
