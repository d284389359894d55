// What packaging/ installs beside the binaries: the module's man page must list exactly
// the parameters the module accepts, and the module files must be accepted by the
// module and name the paths of the install they come with.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "logger/logger_config.h"

namespace mj {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The names of the ".TP" entries (".B name", and ".TQ" alternatives) of one section.
std::set<std::string> man_section_entries(const std::string& page, const std::string& section) {
  std::set<std::string> names;
  std::istringstream in(page);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind(".SH ", 0) == 0) inside = line == ".SH " + section;
    else if (inside && line.rfind(".B ", 0) == 0) names.insert(line.substr(3));
  }
  return names;
}

TEST(Packaging, ModuleManPageListsExactlyTheModuleParameters) {
  std::string page = read_text(MJ_BINARY_DIR "/packaging/man/mesos-journald.7");
  std::set<std::string> listed = man_section_entries(page, "PARAMETERS");
  std::set<std::string> known(known_parameters().begin(), known_parameters().end());
  EXPECT_EQ(listed, known);
  // Every path placeholder was filled in.
  EXPECT_EQ(page.find('@'), std::string::npos);
  EXPECT_NE(page.find(MJ_COMPANION_PATH), std::string::npos);
}

struct ModuleFile {
  std::string library;
  LoggerConfig config;
};

ModuleFile parse_module_file(const std::string& path) {
  nlohmann::json doc = nlohmann::json::parse(read_text(path));
  const auto& library = doc["libraries"][0];
  const auto& module = library["modules"][0];
  EXPECT_EQ(module["name"], "mesos_journald_JournaldContainerLogger");
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& p : module["parameters"]) params.emplace_back(p["key"], p["value"]);
  auto c = parse_logger_config(params);
  EXPECT_TRUE(c) << path << ": " << (c ? "" : c.error().message);
  return {library["file"], c ? *c : LoggerConfig{}};
}

TEST(Packaging, InstalledModuleFilesAreAcceptedAndNameThisInstall) {
  // The one the module package puts in the agent's --modules_dir, and the example.
  for (const char* file : {"/packaging/mesos-journald.json", "/packaging/modules.json"}) {
    SCOPED_TRACE(file);
    ModuleFile m = parse_module_file(std::string(MJ_BINARY_DIR) + file);
    EXPECT_EQ(m.library, MJ_MODULE_PATH);
    EXPECT_EQ(m.config.companion_path, MJ_COMPANION_PATH);
  }
}

TEST(Packaging, AgentDropInUsesTheInstalledModulesDirectory) {
  std::string dropin = read_text(MJ_BINARY_DIR "/packaging/mesos-journald.conf");
  EXPECT_NE(dropin.find("Environment=MESOS_MODULES_DIR=" MJ_MODULES_DIR "\n"), std::string::npos) << dropin;
  EXPECT_NE(dropin.find("Environment=MESOS_CONTAINER_LOGGER=mesos_journald_JournaldContainerLogger\n"),
            std::string::npos);
}

TEST(Packaging, DebianChangelogNamesThisVersion) {
  std::string changelog = read_text(MJ_SOURCE_DIR "/packaging/debian/changelog");
  EXPECT_EQ(changelog.rfind("mesos-journald (" MJ_PROJECT_VERSION ") ", 0), 0u)
      << "packaging/debian/changelog needs an entry for " MJ_PROJECT_VERSION;
}

}  // namespace
}  // namespace mj
