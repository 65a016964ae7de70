#include "diffuse/io/safetensors.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <nlohmann/json.hpp>
#include <torch/torch.h>
#include <zlib.h>

#include "diffuse/io/atomic_file.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

// Every file written here carries the CRC-32 of all its bytes, computed with
// the checksum's own eight hex digits read as '0', so a reader can tell a
// damaged file (a torn write, a flipped bit) from a good one.
constexpr const char* kChecksumKey = "diffuse_crc32";
constexpr size_t kChecksumDigits = 8;
const std::string kChecksumField = std::string("\"") + kChecksumKey + "\":\"";

std::uint32_t crc32_of(std::uint32_t crc, const std::uint8_t* data, size_t size) {
  while (size > 0) {  // zlib takes the length as a 32-bit unsigned
    const auto chunk = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    crc = static_cast<std::uint32_t>(::crc32(crc, data, chunk));
    data += chunk;
    size -= chunk;
  }
  return crc;
}

// The checksum of `bytes` with the digits at `digits` counted as zeros.
std::uint32_t checksum_with_digits_zeroed(const std::uint8_t* bytes, size_t size, size_t digits) {
  static const std::string zeros(kChecksumDigits, '0');
  std::uint32_t crc = crc32_of(0, bytes, digits);
  crc = crc32_of(crc, reinterpret_cast<const std::uint8_t*>(zeros.data()), zeros.size());
  return crc32_of(crc, bytes + digits + kChecksumDigits, size - digits - kChecksumDigits);
}

std::string hex(std::uint32_t value) {
  char buffer[kChecksumDigits + 1];
  std::snprintf(buffer, sizeof buffer, "%08x", value);
  return buffer;
}

// Where the checksum's digits are in the header, or npos when it has none.
size_t find_checksum_digits(const std::uint8_t* header, size_t size, const std::string& where) {
  const std::string_view text(reinterpret_cast<const char*>(header), size);
  const size_t found = text.find(kChecksumField);
  if (found == std::string_view::npos) return found;
  check(text.find(kChecksumField, found + 1) == std::string_view::npos, where + "two checksum fields in the header");
  return found + kChecksumField.size();
}

struct DtypeName {
  torch::ScalarType type;
  const char* name;
};

constexpr DtypeName kDtypes[] = {
    {torch::kFloat32, "F32"}, {torch::kFloat64, "F64"}, {torch::kBFloat16, "BF16"}, {torch::kFloat16, "F16"},
    {torch::kInt64, "I64"},   {torch::kInt32, "I32"},   {torch::kInt16, "I16"},     {torch::kInt8, "I8"},
    {torch::kUInt8, "U8"},    {torch::kBool, "BOOL"},
};

std::string dtype_name(torch::ScalarType type) {
  for (const auto& entry : kDtypes) {
    if (entry.type == type) return entry.name;
  }
  throw Error(std::string("safetensors: cannot store tensors of type ") + c10::toString(type));
}

bool dtype_from_name(const std::string& name, torch::ScalarType& type) {
  for (const auto& entry : kDtypes) {
    if (name == entry.name) {
      type = entry.type;
      return true;
    }
  }
  return false;
}

}  // namespace

std::string serialize_safetensors(const TensorFile& file) {
  nlohmann::json header = nlohmann::json::object();
  check(file.metadata.count(kChecksumKey) == 0, std::string("safetensors: metadata key ") + kChecksumKey + " is reserved");
  header["__metadata__"] = file.metadata;
  header["__metadata__"][kChecksumKey] = std::string(kChecksumDigits, '0');
  std::vector<torch::Tensor> contiguous;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : file.tensors) {
    check(name != "__metadata__", "safetensors: a tensor cannot be named __metadata__");
    const torch::Tensor cpu = tensor.detach().to(torch::kCPU).contiguous();
    const auto bytes = static_cast<std::uint64_t>(cpu.numel()) * cpu.element_size();
    header[name] = {{"dtype", dtype_name(cpu.scalar_type())},
                    {"shape", cpu.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    contiguous.push_back(cpu);
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // keep the data 8-byte aligned, as the reference writer does
  std::string out(8, '\0');
  const std::uint64_t header_size = json.size();
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((header_size >> (8 * i)) & 0xff);
  out += json;
  out.reserve(out.size() + offset);
  for (const auto& tensor : contiguous) {
    out.append(static_cast<const char*>(tensor.data_ptr()), static_cast<size_t>(tensor.numel()) * tensor.element_size());
  }
  const auto* raw = reinterpret_cast<const std::uint8_t*>(out.data());
  const size_t digits = find_checksum_digits(raw + 8, header_size, "safetensors: ") + 8;
  out.replace(digits, kChecksumDigits, hex(checksum_with_digits_zeroed(raw, out.size(), digits)));
  return out;
}

TensorFile parse_safetensors(const std::vector<std::uint8_t>& bytes, const std::string& source) {
  const std::string where = source + ": ";
  check(bytes.size() >= 8, where + "not a safetensors file (shorter than its 8-byte header length)");
  std::uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | bytes[static_cast<size_t>(i)];
  check(header_size <= kMaxHeaderBytes, where + "header length " + std::to_string(header_size) + " exceeds the 100 MB limit");
  check(header_size <= bytes.size() - 8, where + "truncated: header length " + std::to_string(header_size) +
                                             " but only " + std::to_string(bytes.size() - 8) + " bytes follow");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_size));
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + "the header is not valid JSON (" + e.what() + ")");
  }
  check(header.is_object(), where + "the header is not a JSON object");
  const size_t digits = find_checksum_digits(bytes.data() + 8, header_size, where);
  if (digits != std::string_view::npos) {
    const auto metadata = header.find("__metadata__");
    check(metadata != header.end() && metadata->is_object() && metadata->contains(kChecksumKey) &&
              (*metadata)[kChecksumKey].is_string(),
          where + "the checksum field is not in __metadata__");
    const std::string stored = (*metadata)[kChecksumKey].get<std::string>();
    check(stored.size() == kChecksumDigits, where + "the checksum must be " + std::to_string(kChecksumDigits) + " hex digits");
    const std::string computed = hex(checksum_with_digits_zeroed(bytes.data(), bytes.size(), digits + 8));
    check(stored == computed, where + "damaged file: its checksum is " + computed + ", the file says " + stored +
                                  " (a torn write or corrupted bytes)");
    metadata->erase(kChecksumKey);
  }

  const std::uint64_t data_size = bytes.size() - 8 - header_size;
  const std::uint8_t* data = bytes.data() + 8 + header_size;
  TensorFile file;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      check(entry.is_object(), where + "__metadata__ must be an object of strings");
      for (const auto& [key, value] : entry.items()) {
        check(value.is_string(), where + "__metadata__." + key + " is not a string");
        file.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    const std::string what = where + "tensor '" + name + "': ";
    check(entry.is_object() && entry.contains("dtype") && entry.contains("shape") && entry.contains("data_offsets"),
          what + "needs dtype, shape and data_offsets");
    torch::ScalarType type{};
    check(entry["dtype"].is_string() && dtype_from_name(entry["dtype"].get<std::string>(), type),
          what + "unsupported dtype " + entry["dtype"].dump());
    const auto& shape_json = entry["shape"];
    const auto& offsets = entry["data_offsets"];
    check(shape_json.is_array(), what + "shape must be an array");
    check(offsets.is_array() && offsets.size() == 2 && offsets[0].is_number_unsigned() && offsets[1].is_number_unsigned(),
          what + "data_offsets must be two non-negative integers");
    std::vector<int64_t> shape;
    std::uint64_t elements = 1;
    constexpr std::uint64_t kMaxElements = std::uint64_t{1} << 48;
    for (const auto& dim : shape_json) {
      check(dim.is_number_unsigned(), what + "bad dimension " + dim.dump());
      const auto size = dim.get<std::uint64_t>();
      // Check before multiplying, so the product cannot wrap around.
      check(size <= kMaxElements && (size == 0 || elements <= kMaxElements / size), what + "too many elements");
      elements *= size;
      shape.push_back(static_cast<int64_t>(size));
    }
    const auto begin = offsets[0].get<std::uint64_t>();
    const auto end = offsets[1].get<std::uint64_t>();
    const std::uint64_t expected = elements * c10::elementSize(type);
    check(begin <= end && end <= data_size, what + "byte range [" + std::to_string(begin) + ", " + std::to_string(end) +
                                               ") lies outside the " + std::to_string(data_size) + " data bytes");
    check(end - begin == expected, what + "byte range holds " + std::to_string(end - begin) + " bytes, shape and dtype need " +
                                       std::to_string(expected));
    ranges.emplace_back(begin, end);
    torch::Tensor tensor = torch::empty(shape, torch::TensorOptions().dtype(type));
    if (expected > 0) std::memcpy(tensor.data_ptr(), data + begin, expected);
    file.tensors.emplace(name, tensor);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    check(ranges[i].first >= ranges[i - 1].second, where + "two tensors' byte ranges overlap");
  }
  return file;
}

void save_safetensors(const std::string& path, const TensorFile& file) {
  write_file_atomically(path, serialize_safetensors(file));
}

TensorFile load_safetensors(const std::string& path) { return parse_safetensors(read_file_bytes(path), path); }

}  // namespace diffuse
