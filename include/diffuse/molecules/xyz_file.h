#pragma once

#include <string>
#include <vector>

#include "diffuse/molecules/molecule.h"

namespace diffuse {

// Multi-frame XYZ: per molecule a line with the atom count, a title line,
// then one "Element x y z" line per atom (Angstrom; further columns, such as
// QM9's partial charges, are ignored). Gzipped files are read as well.

// Atom count above which a record is refused as corrupt rather than read.
constexpr int kMaxXyzAtoms = 100000;

// Parses `text`; `source` names the file in errors. Throws Error naming the
// source, the record and the line for a wrong count, an unknown element, a
// missing or non-finite coordinate, or a truncated record.
std::vector<Molecule> parse_xyz(const std::string& text, const std::string& source);

// Reads an XYZ file (plain or gzipped).
std::vector<Molecule> read_xyz(const std::string& path);

// The XYZ text of `molecules` (6 decimals, as QM9 is written).
std::string format_xyz(const std::vector<Molecule>& molecules);

// Writes `molecules` to `path` atomically.
void write_xyz(const std::string& path, const std::vector<Molecule>& molecules);

}  // namespace diffuse
