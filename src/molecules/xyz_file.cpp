#include "diffuse/molecules/xyz_file.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "diffuse/io/atomic_file.h"
#include "diffuse/io/gzip.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

// Walks the text line by line, keeping the line number for messages.
class LineReader {
 public:
  explicit LineReader(const std::string& text) : text_(text) {}

  bool next(std::string& line) {
    if (position_ >= text_.size()) return false;
    size_t end = text_.find('\n', position_);
    if (end == std::string::npos) end = text_.size();
    line.assign(text_, position_, end - position_);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    position_ = end + 1;
    ++line_number_;
    return true;
  }
  int line_number() const { return line_number_; }

 private:
  const std::string& text_;
  size_t position_ = 0;
  int line_number_ = 0;
};

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t start = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

bool is_blank(const std::string& line) { return split_fields(line).empty(); }

// "CL" and "cl" are read as "Cl"; numbers ("6") as atomic numbers.
int parse_element(const std::string& field) {
  if (int z = atomic_number_of(field)) return z;
  std::string normal = field;
  for (size_t i = 0; i < normal.size(); ++i) {
    normal[i] = static_cast<char>(i == 0 ? std::toupper(static_cast<unsigned char>(normal[i]))
                                         : std::tolower(static_cast<unsigned char>(normal[i])));
  }
  if (int z = atomic_number_of(normal)) return z;
  char* end = nullptr;
  const long number = std::strtol(field.c_str(), &end, 10);
  if (end != field.c_str() && *end == '\0' && number >= 1 && number <= 18) return static_cast<int>(number);
  return 0;
}

bool parse_double(const std::string& field, double& value) {
  char* end = nullptr;
  errno = 0;
  value = std::strtod(field.c_str(), &end);
  return end != field.c_str() && *end == '\0' && errno != ERANGE;
}

}  // namespace

std::vector<Molecule> parse_xyz(const std::string& text, const std::string& source) {
  std::vector<Molecule> molecules;
  LineReader reader(text);
  std::string line;
  while (reader.next(line)) {
    if (is_blank(line)) continue;
    const int record = static_cast<int>(molecules.size()) + 1;
    auto where = [&]() {
      return source + ": record " + std::to_string(record) + ", line " + std::to_string(reader.line_number()) + ": ";
    };
    const std::vector<std::string> count_fields = split_fields(line);
    char* end = nullptr;
    const long count = std::strtol(count_fields[0].c_str(), &end, 10);
    check(count_fields.size() == 1 && *end == '\0' && end != count_fields[0].c_str(),
          where() + "expected the atom count, found \"" + line + "\"");
    check(count >= 1 && count <= kMaxXyzAtoms, where() + "atom count " + std::to_string(count) +
                                                   " is outside 1 to " + std::to_string(kMaxXyzAtoms));
    Molecule molecule;
    check(reader.next(line), where() + "the file ends before the record's title line");
    molecule.name = line;
    while (!molecule.name.empty() && std::isspace(static_cast<unsigned char>(molecule.name.back()))) {
      molecule.name.pop_back();
    }
    for (long i = 0; i < count; ++i) {
      check(reader.next(line), where() + "the file ends after " + std::to_string(i) + " of " + std::to_string(count) +
                                   " atoms");
      const std::vector<std::string> fields = split_fields(line);
      check(fields.size() >= 4, where() + "expected \"element x y z\", found \"" + line + "\"");
      const int z = parse_element(fields[0]);
      check(z != 0, where() + "unknown element \"" + fields[0] + "\"");
      std::array<double, 3> position{};
      for (int k = 0; k < 3; ++k) {
        double value = 0.0;
        check(parse_double(fields[static_cast<size_t>(k + 1)], value) && std::isfinite(value),
              where() + "coordinate \"" + fields[static_cast<size_t>(k + 1)] + "\" is not a finite number");
        position[static_cast<size_t>(k)] = value;
      }
      molecule.atomic_numbers.push_back(z);
      molecule.positions.push_back(position);
    }
    molecules.push_back(std::move(molecule));
  }
  check(!molecules.empty(), source + ": no molecules (an XYZ file starts with an atom count line)");
  return molecules;
}

std::vector<Molecule> read_xyz(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_maybe_gzipped(path);
  return parse_xyz(std::string(bytes.begin(), bytes.end()), path);
}

std::string format_xyz(const std::vector<Molecule>& molecules) {
  std::string text;
  // "%.6f" of the largest finite double is 317 characters: room for three.
  char buffer[1024];
  for (const Molecule& molecule : molecules) {
    text += std::to_string(molecule.num_atoms()) + "\n" + molecule.name + "\n";
    for (int i = 0; i < molecule.num_atoms(); ++i) {
      const auto& p = molecule.positions[static_cast<size_t>(i)];
      std::snprintf(buffer, sizeof buffer, "%s %.6f %.6f %.6f\n",
                    element_symbol(molecule.atomic_numbers[static_cast<size_t>(i)]).c_str(), p[0], p[1], p[2]);
      text += buffer;
    }
  }
  return text;
}

void write_xyz(const std::string& path, const std::vector<Molecule>& molecules) {
  write_file_atomically(path, format_xyz(molecules));
}

}  // namespace diffuse
