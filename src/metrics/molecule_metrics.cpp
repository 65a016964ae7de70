#include "diffuse/metrics/molecule_metrics.h"

#include <memory>

#include "diffuse/molecules/bond_orders.h"
#include "diffuse/molecules/rdkit_chemistry.h"
#include "diffuse/util/progress.h"

namespace diffuse {
namespace {

double fraction(int64_t part, int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

std::unique_ptr<ProgressBar> maybe_progress(const std::string& label, size_t total) {
  if (label.empty()) return nullptr;
  return std::make_unique<ProgressBar>(label, static_cast<int64_t>(total));
}

}  // namespace

double MoleculeMetrics::atom_stability() const { return fraction(stable_atoms, num_atoms); }
double MoleculeMetrics::molecule_stability() const { return fraction(stable_molecules, num_molecules); }
double MoleculeMetrics::validity() const { return fraction(valid, num_molecules); }
double MoleculeMetrics::uniqueness() const { return fraction(unique, valid); }
double MoleculeMetrics::novelty() const { return has_reference ? fraction(novel, unique) : 0.0; }
double MoleculeMetrics::connected() const { return fraction(connected_molecules, num_molecules); }

nlohmann::json MoleculeMetrics::to_json() const {
  nlohmann::json json = {
      {"atom_stability", atom_stability()},
      {"molecule_stability", molecule_stability()},
      {"validity", validity()},
      {"uniqueness", uniqueness()},
      {"connected", connected()},
      {"num_molecules", num_molecules},
      {"num_atoms", num_atoms},
      {"num_valid", valid},
      {"num_unique", unique},
  };
  // Without the training molecules novelty cannot be measured: null, not 0.
  json["novelty"] = has_reference ? nlohmann::json(novelty()) : nlohmann::json(nullptr);
  if (has_reference) json["num_novel"] = novel;
  return json;
}

MoleculeMetrics evaluate_molecules(const std::vector<Molecule>& molecules,
                                   const std::unordered_set<std::string>* reference_smiles,
                                   const std::string& progress_label) {
  MoleculeMetrics metrics;
  metrics.has_reference = reference_smiles != nullptr;
  std::unordered_set<std::string> distinct;
  auto progress = maybe_progress(progress_label, molecules.size());
  for (const Molecule& molecule : molecules) {
    const std::vector<int> orders = bond_order_matrix(molecule);
    const ValenceCheck valences = check_valences(molecule, orders);
    ++metrics.num_molecules;
    metrics.num_atoms += valences.num_atoms;
    metrics.stable_atoms += valences.stable_atoms;
    metrics.stable_molecules += valences.molecule_stable() ? 1 : 0;
    metrics.connected_molecules += count_fragments(molecule.num_atoms(), orders) == 1 ? 1 : 0;
    const Chemistry chemistry = analyse_chemistry(molecule, orders);
    if (chemistry.valid) {
      ++metrics.valid;
      distinct.insert(chemistry.largest_fragment_smiles);
    }
    if (progress) progress->update(metrics.num_molecules);
  }
  if (progress) progress->finish();
  metrics.unique = static_cast<int64_t>(distinct.size());
  if (reference_smiles != nullptr) {
    for (const std::string& smiles : distinct) metrics.novel += reference_smiles->count(smiles) == 0 ? 1 : 0;
  }
  return metrics;
}

std::unordered_set<std::string> reference_smiles(const std::vector<Molecule>& molecules,
                                                 const std::string& progress_label) {
  std::unordered_set<std::string> smiles;
  auto progress = maybe_progress(progress_label, molecules.size());
  int64_t done = 0;
  for (const Molecule& molecule : molecules) {
    const Chemistry chemistry = analyse_chemistry(molecule, bond_order_matrix(molecule));
    if (chemistry.valid) smiles.insert(chemistry.smiles);
    if (progress) progress->update(++done);
  }
  if (progress) progress->finish();
  return smiles;
}

}  // namespace diffuse
