#include "diffuse/molecules/rdkit_chemistry.h"

// RDKit 2022.09's RDLog.h uses std::uint64_t without including <cstdint> (GCC 13 no longer includes it for it).
#include <cstdint>

#include <GraphMol/Conformer.h>
#include <GraphMol/Depictor/RDDepictor.h>
#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <RDGeneral/RDLog.h>

#include <cmath>
#include <memory>
#include <sstream>

#include "diffuse/io/atomic_file.h"
#include "diffuse/io/gzip.h"
#include "diffuse/molecules/bond_orders.h"
#include "diffuse/molecules/xyz_file.h"
#include "diffuse/util/error.h"
#include "diffuse/util/format.h"

namespace diffuse {
namespace {

RDKit::Bond::BondType rdkit_bond_type(int order) {
  switch (order) {
    case 1: return RDKit::Bond::SINGLE;
    case 2: return RDKit::Bond::DOUBLE;
    default: return RDKit::Bond::TRIPLE;
  }
}

// EDM's build_molecule: one RDKit atom per atom, one bond per bonded pair.
std::unique_ptr<RDKit::RWMol> build_molecule(const Molecule& molecule, const std::vector<int>& bond_orders,
                                             bool with_conformer) {
  auto mol = std::make_unique<RDKit::RWMol>();
  const int n = molecule.num_atoms();
  for (int z : molecule.atomic_numbers) mol->addAtom(new RDKit::Atom(z), false, true);
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      const int order = bond_orders[static_cast<size_t>(i * n + j)];
      if (order > 0) mol->addBond(static_cast<unsigned>(i), static_cast<unsigned>(j), rdkit_bond_type(order));
    }
  }
  if (with_conformer) {
    auto* conformer = new RDKit::Conformer(static_cast<unsigned>(n));
    for (int i = 0; i < n; ++i) {
      const auto& p = molecule.positions[static_cast<size_t>(i)];
      conformer->setAtomPos(static_cast<unsigned>(i), RDGeom::Point3D(p[0], p[1], p[2]));
    }
    conformer->set3D(true);
    mol->addConformer(conformer, true);
  }
  return mol;
}

// EDM's mol2smiles: sanitise, then canonical SMILES; empty when RDKit
// refuses the molecule (a valence it cannot have, a ring it cannot kekulise).
bool sanitise(RDKit::RWMol& mol) {
  try {
    RDKit::MolOps::sanitizeMol(mol);
    return true;
  } catch (const RDKit::MolSanitizeException&) {
    return false;
  }
}

// The canonical SMILES of the largest fragment by atom count, the first of
// equals (EDM's max(GetMolFrags(mol, asMols=True), key=GetNumAtoms)).
std::string largest_fragment_smiles(const RDKit::ROMol& mol, const std::string& whole) {
  const auto fragments = RDKit::MolOps::getMolFrags(mol, true);
  const RDKit::ROMol* largest = nullptr;
  for (const auto& fragment : fragments) {
    if (largest == nullptr || fragment->getNumAtoms() > largest->getNumAtoms()) largest = fragment.get();
  }
  return largest != nullptr ? RDKit::MolToSmiles(*largest) : whole;
}

}  // namespace

Chemistry analyse_chemistry(const Molecule& molecule, const std::vector<int>& bond_orders) {
  RDLog::LogStateSetter quiet;  // RDKit would print every refused valence to stderr
  Chemistry result;
  if (molecule.num_atoms() == 0) return result;
  try {
    std::unique_ptr<RDKit::RWMol> mol = build_molecule(molecule, bond_orders, false);
    if (!sanitise(*mol)) return result;
    result.smiles = RDKit::MolToSmiles(*mol);
    result.largest_fragment_smiles = largest_fragment_smiles(*mol, result.smiles);
    result.valid = true;
  } catch (const std::exception&) {
    // Any other refusal of RDKit's (an invariant it checks) makes the
    // molecule invalid too, rather than ending the whole evaluation.
    result = Chemistry{};
  }
  return result;
}

std::vector<std::array<double, 2>> depiction_coordinates(const Molecule& molecule,
                                                        const std::vector<int>& bond_orders) {
  RDLog::LogStateSetter quiet;
  const int n = molecule.num_atoms();
  std::vector<std::array<double, 2>> coordinates;
  try {
    std::unique_ptr<RDKit::RWMol> mol = build_molecule(molecule, bond_orders, false);
    mol->updatePropertyCache(false);
    RDKit::MolOps::findSSSR(*mol);  // the depictor places rings first
    const unsigned id = RDDepict::compute2DCoords(*mol);
    const RDKit::Conformer& conformer = mol->getConformer(static_cast<int>(id));
    for (int i = 0; i < n; ++i) {
      const RDGeom::Point3D& p = conformer.getAtomPos(static_cast<unsigned>(i));
      coordinates.push_back({p.x, p.y});
    }
    return coordinates;
  } catch (const std::exception&) {
    coordinates.clear();
  }
  for (const auto& p : molecule.positions) coordinates.push_back({p[0], p[1]});
  return coordinates;
}

std::string format_sdf(const std::vector<Molecule>& molecules) {
  RDLog::LogStateSetter quiet;
  std::string text;
  for (const Molecule& molecule : molecules) {
    std::unique_ptr<RDKit::RWMol> mol = build_molecule(molecule, bond_order_matrix(molecule), true);
    // Valences are computed without sanitising, so molecules RDKit would
    // refuse are written too (an evaluation must see every sample).
    mol->updatePropertyCache(false);
    mol->setProp(RDKit::common_properties::_Name, molecule.name);
    text += RDKit::MolToMolBlock(*mol, false, -1, false);
    text += "$$$$\n";
  }
  return text;
}

void write_sdf(const std::string& path, const std::vector<Molecule>& molecules) {
  write_file_atomically(path, format_sdf(molecules));
}

// The records of an SDF: the text between '$$$$' lines (blank ones dropped).
std::vector<std::string> sdf_records(const std::string& text) {
  std::vector<std::string> records;
  std::string current;
  size_t position = 0;
  auto flush = [&]() {
    if (current.find_first_not_of(" \t\r\n") != std::string::npos) records.push_back(current);
    current.clear();
  };
  while (position < text.size()) {
    size_t end = text.find('\n', position);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(position, end - position);
    position = end + 1;
    std::string trimmed = line;
    while (!trimmed.empty() && (trimmed.back() == '\r' || trimmed.back() == ' ')) trimmed.pop_back();
    if (trimmed == "$$$$") {
      flush();
    } else {
      current += line + "\n";
    }
  }
  flush();
  return records;
}

std::vector<Molecule> parse_sdf(const std::string& text, const std::string& source) {
  RDLog::LogStateSetter quiet;
  const std::vector<std::string> records = sdf_records(text);
  check(!records.empty(), source + ": no molecules (an SDF holds mol blocks separated by '$$$$' lines)");
  std::vector<Molecule> molecules;
  for (size_t r = 0; r < records.size(); ++r) {
    const std::string where = source + ": record " + std::to_string(r + 1) + ": ";
    // Each record on its own, so a broken one (the last included) is an
    // error naming it, never a record silently dropped.
    std::unique_ptr<RDKit::ROMol> mol;
    try {
      mol.reset(RDKit::MolBlockToMol(records[r], false, false, true));
    } catch (const std::exception& error) {
      throw Error(where + "not a valid mol block (" + first_line(error) + ")");
    }
    check(mol != nullptr, where + "not a valid mol block");
    check(mol->getNumConformers() > 0 && mol->getConformer().is3D(),
          where + "has no 3-D coordinates (the evaluation reads bonds from 3-D geometry)");
    Molecule molecule;
    mol->getPropIfPresent(RDKit::common_properties::_Name, molecule.name);
    const RDKit::Conformer& conformer = mol->getConformer();
    for (const RDKit::Atom* atom : mol->atoms()) {
      const RDGeom::Point3D& p = conformer.getAtomPos(atom->getIdx());
      check(std::isfinite(p.x) && std::isfinite(p.y) && std::isfinite(p.z),
            where + "atom " + std::to_string(atom->getIdx() + 1) + " has a non-finite coordinate");
      check(atom->getAtomicNum() >= 1, where + "atom " + std::to_string(atom->getIdx() + 1) + " is not an element");
      molecule.atomic_numbers.push_back(atom->getAtomicNum());
      molecule.positions.push_back({p.x, p.y, p.z});
    }
    check(molecule.num_atoms() > 0, where + "has no atoms");
    molecules.push_back(std::move(molecule));
  }
  return molecules;
}

std::vector<Molecule> read_sdf(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_maybe_gzipped(path);
  return parse_sdf(std::string(bytes.begin(), bytes.end()), path);
}

std::vector<Molecule> read_molecules(const std::string& path) {
  const std::string name = ends_with(path, ".gz") ? path.substr(0, path.size() - 3) : path;
  if (ends_with(name, ".sdf") || ends_with(name, ".sd") || ends_with(name, ".mol")) return read_sdf(path);
  if (ends_with(name, ".xyz")) return read_xyz(path);
  throw Error(path + ": unknown molecule file type (expected .sdf or .xyz, optionally gzipped)");
}

}  // namespace diffuse
