#include "diffuse/molecules/molecule_grid.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "diffuse/molecules/bond_orders.h"
#include "diffuse/molecules/rdkit_chemistry.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

constexpr Rgb kInk{30, 30, 30};
constexpr Rgb kCaption{90, 90, 90};
constexpr Rgb kInvalid{200, 30, 30};
constexpr Rgb kBorder{225, 225, 225};
constexpr int kLabelScale = 2;
constexpr double kLabelRadius = 9.0;
constexpr double kMaxPixelsPerUnit = 28.0;  // RDKit's bonds are 1.5 units: at most 42 px
constexpr double kBondSpacing = 3.5;        // between the lines of a double or triple bond

// CPK colours, darkened where white paper needs it.
Rgb element_colour(int z) {
  switch (z) {
    case 1: return {120, 120, 120};
    case 6: return kInk;
    case 7: return {40, 70, 230};
    case 8: return {220, 20, 20};
    case 9: return {30, 160, 30};
    case 15: return {230, 120, 0};
    case 16: return {190, 150, 0};
    case 17: return {30, 160, 30};
    default: return {150, 40, 180};
  }
}

struct Cell {
  int x = 0, y = 0, size = 0;
};

void draw_molecule(Canvas& canvas, const Molecule& molecule, const Cell& cell) {
  const int n = molecule.num_atoms();
  const std::vector<int> orders = bond_order_matrix(molecule);
  const Chemistry chemistry = analyse_chemistry(molecule, orders);
  const int caption_height = Canvas::text_height() + 8;
  const double margin = 16.0;
  const double box = cell.size - 2 * margin;
  const double box_height = cell.size - caption_height - 2 * margin + 6;

  if (n > 0) {
    const std::vector<std::array<double, 2>> xy = depiction_coordinates(molecule, orders);
    double min_x = std::numeric_limits<double>::infinity(), max_x = -min_x, min_y = min_x, max_y = -min_x;
    for (const auto& p : xy) {
      min_x = std::min(min_x, p[0]), max_x = std::max(max_x, p[0]);
      min_y = std::min(min_y, p[1]), max_y = std::max(max_y, p[1]);
    }
    const double scale = std::min({kMaxPixelsPerUnit, box / std::max(max_x - min_x, 1e-9),
                                   box_height / std::max(max_y - min_y, 1e-9)});
    const double centre_x = cell.x + cell.size / 2.0, centre_y = cell.y + margin + box_height / 2.0;
    // y up in the depiction, down on the canvas.
    std::vector<std::array<double, 2>> at(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      at[static_cast<size_t>(i)] = {centre_x + scale * (xy[static_cast<size_t>(i)][0] - (min_x + max_x) / 2),
                                    centre_y - scale * (xy[static_cast<size_t>(i)][1] - (min_y + max_y) / 2)};
    }
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) {
        const int order = orders[static_cast<size_t>(i * n + j)];
        if (order == 0) continue;
        const auto& a = at[static_cast<size_t>(i)];
        const auto& b = at[static_cast<size_t>(j)];
        const double length = std::hypot(b[0] - a[0], b[1] - a[1]);
        if (length < 1e-9) continue;
        const double nx = -(b[1] - a[1]) / length, ny = (b[0] - a[0]) / length;  // unit normal
        for (int line = 0; line < order; ++line) {
          const double offset = (line - (order - 1) / 2.0) * kBondSpacing;
          canvas.draw_line(a[0] + nx * offset, a[1] + ny * offset, b[0] + nx * offset, b[1] + ny * offset, kInk, 2);
        }
      }
    }
    for (int i = 0; i < n; ++i) {
      const int z = molecule.atomic_numbers[static_cast<size_t>(i)];
      bool bonded = false;
      for (int j = 0; j < n; ++j) bonded = bonded || orders[static_cast<size_t>(i * n + j)] > 0;
      if (z == 6 && bonded) continue;  // skeletal formula: carbons are vertices
      const auto& p = at[static_cast<size_t>(i)];
      canvas.draw_circle(p[0], p[1], kLabelRadius, {255, 255, 255});
      const std::string symbol = element_symbol(z);
      canvas.draw_text(static_cast<int>(std::lround(p[0])) - Canvas::text_width(symbol, kLabelScale) / 2,
                       static_cast<int>(std::lround(p[1])) - Canvas::kCapHeight * kLabelScale / 2, symbol,
                       element_colour(z), kLabelScale);
    }
  }

  std::string caption = chemistry.valid ? chemistry.smiles : "invalid " + molecular_formula(molecule);
  const int room = cell.size - 8;
  if (Canvas::text_width(caption) > room) caption = (chemistry.valid ? "" : "invalid ") + molecular_formula(molecule);
  while (caption.size() > 3 && Canvas::text_width(caption) > room) caption = caption.substr(0, caption.size() - 4) + "..";
  canvas.draw_text(cell.x + (cell.size - Canvas::text_width(caption)) / 2, cell.y + cell.size - caption_height + 2,
                   caption, chemistry.valid ? kCaption : kInvalid);
  canvas.draw_rect(cell.x, cell.y, cell.size, cell.size, kBorder);
}

}  // namespace

Canvas draw_molecule_grid(const std::vector<Molecule>& molecules, const MoleculeGridOptions& options) {
  check(!molecules.empty(), "molecule grid: no molecules to draw");
  check(molecules.size() <= static_cast<size_t>(kMaxGridMolecules),
        "molecule grid: at most " + std::to_string(kMaxGridMolecules) + " molecules, not " +
            std::to_string(molecules.size()) + " (write .sdf or .xyz for more)");
  check(options.cell >= 60 && options.cell <= 2000, "molecule grid: cells of 60 to 2000 pixels");
  const int count = static_cast<int>(molecules.size());
  const int columns = options.columns > 0 ? std::min(options.columns, count)
                                          : static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count))));
  const int rows = (count + columns - 1) / columns;
  Canvas canvas(columns * options.cell, rows * options.cell);
  for (int i = 0; i < count; ++i) {
    draw_molecule(canvas, molecules[static_cast<size_t>(i)],
                  Cell{(i % columns) * options.cell, (i / columns) * options.cell, options.cell});
  }
  return canvas;
}

}  // namespace diffuse
