#include "diffuse/io/atomic_file.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "diffuse/util/error.h"
#include "test_support.h"

namespace diffuse {
namespace {

std::string read_text(const std::string& path) {
  const auto bytes = read_file_bytes(path);
  return {bytes.begin(), bytes.end()};
}

TEST(AtomicFile, ReplacesTheFileAndLeavesNoTemporary) {
  const std::string dir = testing::temporary_directory("atomic");
  write_file_atomically(dir + "/a.txt", "first");
  write_file_atomically(dir + "/a.txt", "second");
  EXPECT_EQ(read_text(dir + "/a.txt"), "second");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files += entry.is_regular_file();
  EXPECT_EQ(files, 1);
}

TEST(AtomicFile, AFailedWriteKeepsThePreviousFile) {
  const std::string dir = testing::temporary_directory("atomic_fail");
  write_file_atomically(dir + "/keep.txt", "precious");
  // Renaming a file over a directory fails after the temporary file was written.
  std::filesystem::create_directory(dir + "/blocker");
  EXPECT_THROW(write_file_atomically(dir + "/blocker", "x"), Error);
  EXPECT_THROW(write_file_atomically(dir + "/no/such/dir/file", "x"), Error);
  EXPECT_EQ(read_text(dir + "/keep.txt"), "precious");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files += entry.is_regular_file();
  EXPECT_EQ(files, 1);  // no temporary left behind
}

}  // namespace
}  // namespace diffuse
