#include "molecules/hand_made_molecules.h"

#include <cmath>

namespace diffuse::testing {
namespace {

using Vec = std::array<double, 3>;

Vec add(Vec a, Vec b, double scale) { return {a[0] + scale * b[0], a[1] + scale * b[1], a[2] + scale * b[2]}; }
Vec unit(Vec v) {
  const double n = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  return {v[0] / n, v[1] / n, v[2] / n};
}

void push(Molecule& m, int z, Vec p) {
  m.atomic_numbers.push_back(z);
  m.positions.push_back(p);
}

constexpr double kPi = 3.14159265358979323846;

}  // namespace

Molecule water() {
  Molecule m;
  m.name = "water";
  const double half = 104.52 / 2.0 * kPi / 180.0;
  push(m, 8, {0, 0, 0});
  push(m, 1, {0.9572 * std::sin(half), 0.9572 * std::cos(half), 0});
  push(m, 1, {-0.9572 * std::sin(half), 0.9572 * std::cos(half), 0});
  return m;
}

Molecule hydrogen_cyanide() {
  Molecule m;
  m.name = "hydrogen cyanide";
  push(m, 1, {-1.065, 0, 0});
  push(m, 6, {0, 0, 0});
  push(m, 7, {1.153, 0, 0});
  return m;
}

Molecule ethanol() {
  // The four directions of a regular tetrahedron; staggered ethane has the
  // second carbon's substituents along the negated ones.
  const Vec v1 = unit({1, 1, 1}), v2 = unit({1, -1, -1}), v3 = unit({-1, 1, -1}), v4 = unit({-1, -1, 1});
  const Vec c1{0, 0, 0};
  const Vec c2 = add(c1, v1, 1.52);
  const Vec o = add(c2, v2, -1.43);
  Molecule m;
  m.name = "ethanol";
  push(m, 6, c1);
  push(m, 6, c2);
  push(m, 8, o);
  push(m, 1, add(c1, v2, 1.09));
  push(m, 1, add(c1, v3, 1.09));
  push(m, 1, add(c1, v4, 1.09));
  push(m, 1, add(c2, v3, -1.09));
  push(m, 1, add(c2, v4, -1.09));
  // From O the bond to C2 points along +v2, so v1, v3 and v4 complete its tetrahedron.
  push(m, 1, add(o, v3, 0.96));
  return m;
}

Molecule benzene(double cc_short, double cc_long) {
  // Carbons on a circle of radius R, the central angles alternating theta
  // and 120 degrees - theta, so the sides 2 R sin(angle / 2) alternate
  // exactly between cc_short and cc_long. theta by bisection on the ratio.
  const double third = 2.0 * kPi / 3.0;
  auto ratio = [&](double theta) { return std::sin(theta / 2.0) / std::sin((third - theta) / 2.0); };
  double low = 1e-9, high = third - 1e-9;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (low + high);
    (ratio(mid) < cc_short / cc_long ? low : high) = mid;
  }
  const double theta = 0.5 * (low + high);
  const double radius = cc_short / (2.0 * std::sin(theta / 2.0));
  Molecule m;
  m.name = "benzene";
  std::array<Vec, 6> carbons;
  double angle = 0.0;
  for (int k = 0; k < 6; ++k) {
    carbons[static_cast<size_t>(k)] = {radius * std::cos(angle), radius * std::sin(angle), 0};
    angle += k % 2 == 0 ? theta : third - theta;
  }
  for (const Vec& c : carbons) push(m, 6, c);
  // Each hydrogen points away from the ring's centre, which bisects the
  // ring angle only for the regular hexagon; 1.09 A from its carbon either way.
  for (const Vec& c : carbons) push(m, 1, add(c, unit(c), 1.09));
  return m;
}

Molecule overbonded_carbon() {
  Molecule m;
  m.name = "CH5";
  push(m, 6, {0, 0, 0});
  push(m, 1, {1.09, 0, 0});
  push(m, 1, {-1.09, 0, 0});
  push(m, 1, {0, 1.09, 0});
  push(m, 1, {0, -1.09, 0});
  push(m, 1, {0, 0, 1.09});
  return m;
}

}  // namespace diffuse::testing
