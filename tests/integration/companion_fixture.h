// Shared fixture: a private journald namespace and helpers to run the companion against it.
#pragma once

#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "journald_instance.h"
#include "process_runner.h"
#include "temp_dir.h"

namespace mj::test {

// Writes lines "n<from>" .. "n<to - 1>", one write() each.
inline void write_lines(int fd, int from, int to) {
  for (int i = from; i < to; ++i) {
    std::string l = "n" + std::to_string(i) + "\n";
    ASSERT_EQ(::write(fd, l.data(), l.size()), static_cast<ssize_t>(l.size()));
  }
}

class CompanionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why = journald_unavailable_reason();
    if (!why.empty()) GTEST_SKIP() << why;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string hint = info->name();
    hint = hint.substr(0, 16);
    for (char& c : hint)
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
    journald_ = std::make_unique<JournaldInstance>(hint);
    run_id_ = journald_->name();
    for (char& c : run_id_)
      if (c == '-') c = '_';
  }

  // The companion's argv with the namespace and a field that tags this test's entries.
  std::vector<std::string> pipe_args(std::vector<std::string> extra) const {
    std::vector<std::string> args = {pipe_binary(), "--namespace", journald_->name(), "--field", "TEST_RUN=" + run_id_};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  std::vector<JournalEntry> entries(std::size_t at_least, std::vector<std::string> more_matches = {}) const {
    more_matches.push_back("TEST_RUN=" + run_id_);
    return journald_->entries(more_matches, at_least);
  }

  std::unique_ptr<JournaldInstance> journald_;
  std::string run_id_;
  TempDir sandbox_;
};

}  // namespace mj::test
