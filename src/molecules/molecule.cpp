#include "diffuse/molecules/molecule.h"

#include <algorithm>
#include <map>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

const std::vector<std::string>& element_symbols() {
  static const std::vector<std::string> symbols = {"",   "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",
                                                   "Ne", "Na", "Mg", "Al", "Si", "P",  "S",  "Cl", "Ar"};
  return symbols;
}

}  // namespace

int Molecule::count_of(int atomic_number) const {
  return static_cast<int>(std::count(atomic_numbers.begin(), atomic_numbers.end(), atomic_number));
}

const std::string& element_symbol(int z) {
  const auto& symbols = element_symbols();
  check(z >= 1 && z < static_cast<int>(symbols.size()),
        "atomic number " + std::to_string(z) + " is outside the element table (1 to " +
            std::to_string(symbols.size() - 1) + ")");
  return symbols[static_cast<size_t>(z)];
}

int atomic_number_of(const std::string& symbol) {
  const auto& symbols = element_symbols();
  for (size_t z = 1; z < symbols.size(); ++z) {
    if (symbols[z] == symbol) return static_cast<int>(z);
  }
  return 0;
}

Molecule without_hydrogens(const Molecule& molecule) {
  Molecule heavy;
  heavy.name = molecule.name;
  for (int i = 0; i < molecule.num_atoms(); ++i) {
    if (molecule.atomic_numbers[static_cast<size_t>(i)] == 1) continue;
    heavy.atomic_numbers.push_back(molecule.atomic_numbers[static_cast<size_t>(i)]);
    heavy.positions.push_back(molecule.positions[static_cast<size_t>(i)]);
  }
  return heavy;
}

Molecule centred(const Molecule& molecule) {
  Molecule result = molecule;
  if (molecule.positions.empty()) return result;
  std::array<double, 3> mean{0.0, 0.0, 0.0};
  for (const auto& p : molecule.positions) {
    for (int k = 0; k < 3; ++k) mean[static_cast<size_t>(k)] += p[static_cast<size_t>(k)];
  }
  for (double& m : mean) m /= static_cast<double>(molecule.positions.size());
  for (auto& p : result.positions) {
    for (int k = 0; k < 3; ++k) p[static_cast<size_t>(k)] -= mean[static_cast<size_t>(k)];
  }
  return result;
}

std::string molecular_formula(const Molecule& molecule) {
  std::map<std::string, int> counts;
  for (int z : molecule.atomic_numbers) ++counts[element_symbol(z)];
  std::string formula;
  auto append = [&](const std::string& symbol) {
    auto it = counts.find(symbol);
    if (it == counts.end()) return;
    formula += symbol;
    if (it->second > 1) formula += std::to_string(it->second);
    counts.erase(it);
  };
  // Hill order: carbon first, then hydrogen, when carbon is present.
  if (counts.count("C")) {
    append("C");
    append("H");
  }
  while (!counts.empty()) append(counts.begin()->first);
  return formula;
}

}  // namespace diffuse
