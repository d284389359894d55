#include "core/journald/resend_marker.h"

#include <gtest/gtest.h>

#include <string>

#include "core/entry/native_encoding.h"

namespace mj {
namespace {

// An entry as the companion encodes it: the common fields, MESSAGE in the binary form.
std::string encoded(const std::string& message) {
  std::string e;
  append_field(e, "SYSLOG_IDENTIFIER", "t");
  append_field(e, "STREAM", "STDOUT");
  append_binary_field(e, "MESSAGE", message);
  return e;
}

PartlyIndexedEntry partly(const std::string& message, std::uint64_t monotonic) {
  return PartlyIndexedEntry{monotonic, "0123456789abcdef0123456789abcdef", message};
}

std::string field_of(const std::string& entry, std::string_view name) {
  std::string_view v;
  return native_field(entry, name, v) ? std::string(v) : "<none>";
}

TEST(ResendMarker, ReadsFieldsOfBothForms) {
  std::string e = encoded("a=b\nc");
  append_field(e, "X", "y=z");
  EXPECT_EQ(field_of(e, "MESSAGE"), "a=b\nc");
  EXPECT_EQ(field_of(e, "STREAM"), "STDOUT");
  EXPECT_EQ(field_of(e, "X"), "y=z");
  EXPECT_EQ(field_of(e, "MESS"), "<none>");
  EXPECT_EQ(field_of(e.substr(0, e.size() - 10), "X"), "<none>");  // cut short
}

// The partly indexed entry is the oldest missing one: its copy, the first resent, gets
// the original's time; the entries lost with the socket queue after it do not.
TEST(ResendMarker, MarksTheCopyOfThePartlyIndexedEntryOnly) {
  std::deque<std::string> resend = {encoded("n4"), encoded("n5"), encoded("n6")};
  const std::deque<std::string> before = resend;
  EXPECT_EQ(mark_resent_copies(resend, 0, {partly("n4", 123456789)}), 1u);
  EXPECT_EQ(resend[0], before[0] + "MESOS_JOURNALD_RESEND_OF_MONOTONIC_USEC=123456789\n");
  EXPECT_EQ(field_of(resend[0], "MESSAGE"), "n4");
  EXPECT_EQ(resend[1], before[1]);
  EXPECT_EQ(resend[2], before[2]);
}

// Missing entries no longer kept come first among the missing: the partly indexed one
// was among them, and nothing resent is its copy.
TEST(ResendMarker, ACopyNotKeptMarksNothing) {
  std::deque<std::string> resend = {encoded("n5"), encoded("n6")};
  EXPECT_EQ(mark_resent_copies(resend, 1, {partly("n4", 1)}), 0u);
  EXPECT_EQ(field_of(resend[0], kResendOfField), "<none>");
  // Two partly indexed entries (defensively: one per death), the first not kept.
  EXPECT_EQ(mark_resent_copies(resend, 1, {partly("n4", 1), partly("n5", 2)}), 1u);
  EXPECT_EQ(field_of(resend[0], kResendOfField), "2");
  EXPECT_EQ(field_of(resend[1], kResendOfField), "<none>");
}

// The position says which entry it is; the message must agree, or nothing is marked (an
// unmarked copy is printed twice, a wrong mark could hide a line).
TEST(ResendMarker, AnotherMessageAtThePositionIsNotMarked) {
  std::deque<std::string> resend = {encoded("n5")};
  EXPECT_EQ(mark_resent_copies(resend, 0, {partly("n4", 1)}), 0u);
  EXPECT_EQ(resend[0], encoded("n5"));
}

// A marked copy that a second journald also left partly indexed is sent again with the
// first original's time, the one every reader's key uses.
TEST(ResendMarker, ACopyAlreadyMarkedKeepsItsOriginal) {
  std::deque<std::string> resend = {encoded("n4")};
  ASSERT_EQ(mark_resent_copies(resend, 0, {partly("n4", 100)}), 1u);
  const std::string once = resend[0];
  EXPECT_EQ(mark_resent_copies(resend, 0, {partly("n4", 900)}), 0u);
  EXPECT_EQ(resend[0], once);
}

TEST(ResendMarker, NothingPartlyIndexedChangesNothing) {
  std::deque<std::string> resend = {encoded("n4")};
  EXPECT_EQ(mark_resent_copies(resend, 0, {}), 0u);
  EXPECT_EQ(resend[0], encoded("n4"));
}

}  // namespace
}  // namespace mj
