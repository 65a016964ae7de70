#include "diffuse/io/atomic_file.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "diffuse/util/error.h"
#include "test_support.h"

namespace diffuse {
namespace {

using testing::read_text;

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

TEST(AtomicFile, KeepsTheFileItReplacesAsThePreviousOne) {
  const std::string dir = testing::temporary_directory("atomic_previous");
  const std::string path = dir + "/c.bin", previous = dir + "/c.previous.bin";
  write_file_atomically_keeping_previous(path, previous, "one");
  EXPECT_FALSE(std::filesystem::exists(previous));  // nothing to keep yet
  write_file_atomically_keeping_previous(path, previous, "two");
  write_file_atomically_keeping_previous(path, previous, "three");
  EXPECT_EQ(read_text(path), "three");
  EXPECT_EQ(read_text(previous), "two");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files += entry.is_regular_file();
  EXPECT_EQ(files, 2);
}

TEST(AtomicFile, RemovesOnlyTheTemporariesAKilledWriteLeft) {
  const std::string dir = testing::temporary_directory("atomic_leftover");
  testing::write_bytes(dir + "/w.safetensors", "whole");
  testing::write_bytes(dir + "/w.safetensors.tmp4242", "half");
  testing::write_bytes(dir + "/w.safetensors.tmp17", "half");
  testing::write_bytes(dir + "/w.safetensors.tmpnotes", "a user's file");
  testing::write_bytes(dir + "/other.tmp99", "another file's");
  EXPECT_EQ(remove_leftover_temporary_files(dir + "/w.safetensors"), 2);
  EXPECT_TRUE(std::filesystem::exists(dir + "/w.safetensors"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/w.safetensors.tmpnotes"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/other.tmp99"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/w.safetensors.tmp4242"));
}

TEST(AtomicFile, AnUnwritableDirectoryIsNamedWithTheReason) {
  const std::string dir = testing::temporary_directory("atomic_writable");
  EXPECT_NO_THROW(check_directory_is_writable(dir));
  try {
    check_directory_is_writable(dir + "/missing");
    FAIL() << "a missing directory passed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write to " + dir + "/missing: No such file"), std::string::npos) << e.what();
  }
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files += entry.is_regular_file();
  EXPECT_EQ(files, 0);  // the probe is gone
}

int regular_files(const std::string& dir) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files += entry.is_regular_file();
  return files;
}

TEST(StagedOutputs, FilesAppearTogetherOnCommit) {
  const std::string dir = testing::temporary_directory("staged_commit");
  write_file_atomically(dir + "/b.txt", "old");
  {
    StagedOutputs outputs;
    write_file_atomically(dir + "/a.txt", "first");
    write_file_atomically(dir + "/b.txt", "second");
    EXPECT_FALSE(std::filesystem::exists(dir + "/a.txt"));  // staged, not yet in place
    EXPECT_EQ(read_text(dir + "/b.txt"), "old");
    outputs.commit();
  }
  EXPECT_EQ(read_text(dir + "/a.txt"), "first");
  EXPECT_EQ(read_text(dir + "/b.txt"), "second");
  EXPECT_EQ(regular_files(dir), 2);  // no temporaries
  write_file_atomically(dir + "/c.txt", "after");  // writes go straight to their place again
  EXPECT_EQ(read_text(dir + "/c.txt"), "after");
}

TEST(StagedOutputs, AFailingSecondOutputLeavesNeitherBehind) {
  const std::string dir = testing::temporary_directory("staged_fail");
  write_file_atomically(dir + "/keep.txt", "precious");
  try {
    StagedOutputs outputs;
    write_file_atomically(dir + "/first.png", "made");
    write_file_atomically(dir + "/keep.txt", "replaced");
    write_file_atomically(dir + "/no/such/folder/second.png", "fails");
    outputs.commit();
    FAIL() << "the second output was written";
  } catch (const Error&) {
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/first.png"));
  EXPECT_EQ(read_text(dir + "/keep.txt"), "precious");
  EXPECT_EQ(regular_files(dir), 1);
}

TEST(StagedOutputs, TheSamePathWrittenTwiceHoldsTheLastBytes) {
  const std::string dir = testing::temporary_directory("staged_twice");
  StagedOutputs outputs;
  write_file_atomically(dir + "/x.txt", "one");
  write_file_atomically(dir + "/x.txt", "two");
  outputs.commit();
  EXPECT_EQ(read_text(dir + "/x.txt"), "two");
  EXPECT_EQ(regular_files(dir), 1);
}

TEST(FileDestination, NamesTheOptionThePathAndTheReason) {
  const std::string dir = testing::temporary_directory("destination");
  EXPECT_NO_THROW(check_file_destination(dir + "/a.png", "--out"));
  EXPECT_NO_THROW(check_file_destination(dir + "/new/folders/a.png", "--out", MissingFolders::kCreate));
  const auto message = [](const std::string& path) {
    try {
      check_file_destination(path, "--out");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message(dir), "--out " + dir + ": is a folder, expected a file name");
  EXPECT_EQ(message(dir + "/new/a.png"), "--out " + dir + "/new/a.png: the folder " + dir + "/new does not exist");
  testing::write_bytes(dir + "/file", "x");
  EXPECT_EQ(message(dir + "/file/a.png"), "--out " + dir + "/file/a.png: " + dir + "/file is not a folder");
  EXPECT_NE(message("/proc/x.png").find("--out /proc/x.png: cannot write to /proc"), std::string::npos)
      << message("/proc/x.png");
  EXPECT_EQ(regular_files(dir), 1);  // no probe left
}

}  // namespace
}  // namespace diffuse
