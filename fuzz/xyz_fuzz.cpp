// libFuzzer target: multi-frame XYZ files, as `diffuse molecules eval`, the
// qm9 dataset and `--fix` read them. Beyond "parse or refuse", what parses
// must survive the round trip (format_xyz, parsed again: same names and
// elements, positions to the printed precision) and the bond perception of
// the metrics (EDM's distance tables) on whatever geometry it holds.
#include <cmath>
#include <cstdlib>

#include "diffuse/io/gzip.h"
#include "diffuse/molecules/bond_orders.h"
#include "diffuse/molecules/xyz_file.h"
#include "fuzz_target.h"

namespace {
constexpr std::uint64_t kFuzzMaxGunzippedBytes = 16 << 20;
// Bond perception is quadratic in the atom count; larger inputs add no paths.
constexpr int kMaxAtomsForBonds = 256;

void check_round_trip(const std::vector<diffuse::Molecule>& molecules) {
  const std::vector<diffuse::Molecule> again = diffuse::parse_xyz(diffuse::format_xyz(molecules), "formatted");
  if (again.size() != molecules.size()) std::abort();
  for (size_t m = 0; m < molecules.size(); ++m) {
    if (again[m].name != molecules[m].name || again[m].atomic_numbers != molecules[m].atomic_numbers) std::abort();
    for (size_t i = 0; i < molecules[m].positions.size(); ++i) {
      for (size_t k = 0; k < 3; ++k) {
        // "%.6f" rounds to 5e-7; the spacing of doubles adds its own at large values.
        const double x = molecules[m].positions[i][k];
        if (std::abs(again[m].positions[i][k] - x) > 5.1e-7 + 1e-15 * std::abs(x)) std::abort();
      }
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return diffuse::fuzz::parse_or_refuse(data, size, [](const std::vector<std::uint8_t>& bytes) {
    const auto source = diffuse::fuzz::kSource;
    const std::vector<std::uint8_t> text = diffuse::gunzip_if_gzipped(bytes, source, kFuzzMaxGunzippedBytes);
    const std::vector<diffuse::Molecule> molecules = diffuse::parse_xyz(std::string(text.begin(), text.end()), source);
    check_round_trip(molecules);
    for (const diffuse::Molecule& molecule : molecules) {
      if (molecule.num_atoms() > kMaxAtomsForBonds) continue;
      const std::vector<int> orders = diffuse::bond_order_matrix(molecule);
      diffuse::check_valences(molecule, orders);
      diffuse::count_fragments(molecule.num_atoms(), orders);
    }
  });
}
