#include "logger/container_naming.h"

#include <gtest/gtest.h>

#include "logger_test_util.h"

namespace mj {
namespace {

NameTemplate identifier(const std::string& text) { return *parse_identifier_template(text); }

NameTemplate ns(const std::string& text) {
  auto c = parse_logger_config(std::map<std::string, std::string>{{"namespace", text}});
  EXPECT_TRUE(c) << c.error().message;
  return c->namespace_template;
}

TEST(Identifier, DefaultIsTaskNameThenExecutorNameThenExecutorId) {
  NameTemplate t = identifier(std::string(kDefaultIdentifier));
  ContainerMetadata m = test::sample_metadata("/s");
  EXPECT_EQ(resolve_identifier(t, m), "web");
  m.task_name.reset();
  EXPECT_EQ(resolve_identifier(t, m), *m.executor_name);
  m.executor_name = "";
  EXPECT_EQ(resolve_identifier(t, m), "web.1234");
  m.executor_id.reset();
  EXPECT_EQ(resolve_identifier(t, m), "mesos-container");
}

TEST(Identifier, EveryPlaceholder) {
  ContainerMetadata m = test::sample_metadata("/s");
  m.agent_id = "agent-7";
  m.container_id_chain = {"p", "c"};
  NameTemplate t = identifier("{task_id}/{task_name}/{executor_id}/{executor_name}/{framework_id}/{container_id}/{agent_id}");
  EXPECT_EQ(resolve_identifier(t, m), "web.1234/web/web.1234/" + *m.executor_name + "/fw-0001/p.c/agent-7");
}

TEST(Identifier, TaskDataIsMadeSafeNotRejected) {
  ContainerMetadata m = test::sample_metadata("/s");
  m.task_name = "evil\nSYSLOG_IDENTIFIER=sshd\x7f";
  EXPECT_EQ(resolve_identifier(identifier("app-{task_name}"), m), "app-evil_SYSLOG_IDENTIFIER=sshd_");
  m.task_name = std::string(300, 'x');
  EXPECT_EQ(resolve_identifier(identifier("{task_name}"), m).size(), 255u);
  // A multi-byte character at the cut is not halved.
  m.task_name = std::string(254, 'x') + "\xc3\xa9";
  EXPECT_EQ(resolve_identifier(identifier("{task_name}"), m), std::string(254, 'x'));
  m.task_name = "-rf";
  EXPECT_EQ(resolve_identifier(identifier("{task_name}"), m), "-rf");
}

TEST(Namespace, EmptyMeansTheDefaultJournal) {
  EXPECT_EQ(*resolve_namespace(NameTemplate{}, test::sample_metadata("/s")), "");
}

TEST(Namespace, FixedAndTemplated) {
  ContainerMetadata m = test::sample_metadata("/s");
  EXPECT_EQ(*resolve_namespace(ns("tenants"), m), "tenants");
  EXPECT_EQ(*resolve_namespace(ns("mesos-{role}"), m), "mesos-payments");
  EXPECT_EQ(*resolve_namespace(ns("fw-{framework_id}"), m), "fw-fw-0001");
}

TEST(Namespace, RoleCharactersANamespaceCannotHoldBecomeUnderscores) {
  ContainerMetadata m = test::sample_metadata("/s");
  m.roles = {"*"};
  EXPECT_EQ(*resolve_namespace(ns("mesos-{role}"), m), "mesos-_");
  m.roles = {"eng/web.prod", "other"};
  EXPECT_EQ(*resolve_namespace(ns("mesos-{role}"), m), "mesos-eng_web_prod");
}

TEST(Namespace, InvalidResultIsAnErrorNamingTheTemplate) {
  ContainerMetadata m = test::sample_metadata("/s");
  m.framework_id = "7f3c2a1e-5b4d-4c3b-9a8f-1e2d3c4b5a69-0001-with-a-very-long-suffix";
  auto r = resolve_namespace(ns("mesos-{framework_id}"), m);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("namespace template 'mesos-{framework_id}' gives an invalid journal namespace"),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("longer than 64"), std::string::npos) << r.error().message;
  // No role at all leaves nothing to name the namespace after.
  m.roles.clear();
  EXPECT_FALSE(resolve_namespace(ns("{role}"), m));
}

}  // namespace
}  // namespace mj
