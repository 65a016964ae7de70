#include "diffuse/molecules/bond_orders.h"

#include <cmath>
#include <numeric>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

// Index of an element in the tables below: H, C, N, O, F.
int table_index(int z) {
  switch (z) {
    case 1: return 0;
    case 6: return 1;
    case 7: return 2;
    case 8: return 3;
    case 9: return 4;
    default: return -1;
  }
}

// Typical bond lengths in pm, EDM's bonds1/bonds2/bonds3 restricted to
// H, C, N, O, F; 0 where the bond order does not exist for the pair.
constexpr int kSingle[5][5] = {
    // H    C    N    O    F
    {74, 109, 101, 96, 92},     // H
    {109, 154, 147, 143, 135},  // C
    {101, 147, 145, 140, 136},  // N
    {96, 143, 140, 148, 142},   // O
    {92, 135, 136, 142, 142},   // F
};
constexpr int kDouble[5][5] = {
    {0, 0, 0, 0, 0},
    {0, 134, 129, 120, 0},
    {0, 129, 125, 121, 0},
    {0, 120, 121, 121, 0},
    {0, 0, 0, 0, 0},
};
constexpr int kTriple[5][5] = {
    {0, 0, 0, 0, 0},
    {0, 120, 116, 113, 0},
    {0, 116, 110, 0, 0},
    {0, 113, 0, 0, 0},
    {0, 0, 0, 0, 0},
};
constexpr double kSingleMargin = 10.0, kDoubleMargin = 5.0, kTripleMargin = 3.0;  // pm

int checked_index(int z) {
  const int index = table_index(z);
  check(index >= 0, "element " + element_symbol(z) +
                        " is outside the bond-length tables of the evaluation protocol (H, C, N, O, F)");
  return index;
}

}  // namespace

bool has_bond_lengths(int atomic_number) { return table_index(atomic_number) >= 0; }

int bond_order(int z1, int z2, double distance) {
  const int a = checked_index(z1), b = checked_index(z2);
  const double pm = 100.0 * distance;
  if (!(pm < kSingle[a][b] + kSingleMargin)) return 0;
  if (kDouble[a][b] == 0 || !(pm < kDouble[a][b] + kDoubleMargin)) return 1;
  if (kTriple[a][b] == 0 || !(pm < kTriple[a][b] + kTripleMargin)) return 2;
  return 3;
}

std::vector<int> bond_order_matrix(const Molecule& molecule) {
  const int n = molecule.num_atoms();
  for (int i = 0; i < n; ++i) {
    const int z = molecule.atomic_numbers[static_cast<size_t>(i)];
    check(has_bond_lengths(z), "molecule \"" + molecule.name + "\": atom " + std::to_string(i + 1) + " is " +
                                   element_symbol(z) +
                                   ", outside the bond-length tables of the evaluation protocol (H, C, N, O, F)");
  }
  std::vector<int> orders(static_cast<size_t>(n) * static_cast<size_t>(n), 0);
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      const auto& p = molecule.positions[static_cast<size_t>(i)];
      const auto& q = molecule.positions[static_cast<size_t>(j)];
      const double distance = std::sqrt((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) +
                                        (p[2] - q[2]) * (p[2] - q[2]));
      const int order = bond_order(molecule.atomic_numbers[static_cast<size_t>(i)],
                                   molecule.atomic_numbers[static_cast<size_t>(j)], distance);
      orders[static_cast<size_t>(i * n + j)] = orders[static_cast<size_t>(j * n + i)] = order;
    }
  }
  return orders;
}

int allowed_valence(int atomic_number) {
  switch (atomic_number) {
    case 1: return 1;
    case 6: return 4;
    case 7: return 3;
    case 8: return 2;
    case 9: return 1;
    default: check(false, "no allowed valence for element " + element_symbol(atomic_number)); return 0;
  }
}

ValenceCheck check_valences(const Molecule& molecule, const std::vector<int>& bond_orders) {
  const int n = molecule.num_atoms();
  check(bond_orders.size() == static_cast<size_t>(n) * static_cast<size_t>(n),
        "check_valences: the bond matrix does not match the molecule's atoms");
  ValenceCheck result;
  result.num_atoms = n;
  for (int i = 0; i < n; ++i) {
    int valence = 0;
    for (int j = 0; j < n; ++j) valence += bond_orders[static_cast<size_t>(i * n + j)];
    if (valence == allowed_valence(molecule.atomic_numbers[static_cast<size_t>(i)])) ++result.stable_atoms;
  }
  return result;
}

int count_fragments(int num_atoms, const std::vector<int>& bond_orders) {
  // Union-find over the bonded pairs.
  std::vector<int> parent(static_cast<size_t>(num_atoms));
  std::iota(parent.begin(), parent.end(), 0);
  auto root = [&](int i) {
    while (parent[static_cast<size_t>(i)] != i) i = parent[static_cast<size_t>(i)] = parent[static_cast<size_t>(parent[static_cast<size_t>(i)])];
    return i;
  };
  int fragments = num_atoms;
  for (int i = 0; i < num_atoms; ++i) {
    for (int j = i + 1; j < num_atoms; ++j) {
      if (bond_orders[static_cast<size_t>(i * num_atoms + j)] == 0) continue;
      const int a = root(i), b = root(j);
      if (a != b) {
        parent[static_cast<size_t>(a)] = b;
        --fragments;
      }
    }
  }
  return fragments;
}

}  // namespace diffuse
