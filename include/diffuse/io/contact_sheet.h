#pragma once

#include <string>
#include <vector>

#include "diffuse/io/canvas.h"

namespace diffuse {

// A table of pictures: cells[r][c] under a title, with a label left of each
// row and above each column (e.g. samplers by number of steps, or noisy /
// each method / clean). Cells may differ in size; each row and column takes
// the size of its largest cell.
Canvas render_contact_sheet(const std::vector<std::vector<Canvas>>& cells, const std::vector<std::string>& row_labels,
                            const std::vector<std::string>& column_labels, const std::string& title);

}  // namespace diffuse
