// The module's parameters (modules.json "parameters"), parsed and validated into plain
// values. Unknown keys and bad values are errors naming the key, so that a typo stops
// the agent from starting instead of silently logging somewhere unexpected.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "core/entry/entry_template.h"
#include "logger/label_policy.h"
#include "logger/name_template.h"

namespace mj {

enum class Destination { kJournaldAndSandbox, kJournald, kSandbox };
enum class CgroupPlacementMode { kAuto, kNone };
enum class CompanionUser { kContainer, kAgent };
enum class Overflow { kBlock, kDrop };
enum class JournalTransport { kNative, kStream };

namespace param {
inline constexpr std::string_view kDestination = "destination";
inline constexpr std::string_view kCompanionPath = "companion_path";
inline constexpr std::string_view kMaxStdoutSize = "max_stdout_size";
inline constexpr std::string_view kMaxStderrSize = "max_stderr_size";
inline constexpr std::string_view kMaxFiles = "max_files";
inline constexpr std::string_view kNamespace = "namespace";
inline constexpr std::string_view kIdentifier = "identifier";
inline constexpr std::string_view kExtraFields = "extra_fields";
inline constexpr std::string_view kLabels = "labels";
inline constexpr std::string_view kMaxLineBytes = "max_line_bytes";
inline constexpr std::string_view kEnvironmentVariablePrefix = "environment_variable_prefix";
inline constexpr std::string_view kOverridable = "overridable";
inline constexpr std::string_view kCgroupPlacement = "cgroup_placement";
inline constexpr std::string_view kCgroupRoot = "cgroup_root";
inline constexpr std::string_view kCompanionUser = "companion_user";
inline constexpr std::string_view kOverflow = "overflow";
inline constexpr std::string_view kBufferSize = "buffer_size";
inline constexpr std::string_view kTransport = "transport";
inline constexpr std::string_view kLogRateLimitInterval = "log_rate_limit_interval";
inline constexpr std::string_view kLogRateLimitBurst = "log_rate_limit_burst";
}  // namespace param

// Every parameter the module knows, and the subset an operator may let tasks override.
const std::vector<std::string_view>& known_parameters();
const std::vector<std::string_view>& task_overridable_parameters();

// Placeholders of the two templates.
const std::vector<std::string_view>& identifier_placeholders();  // task_id task_name executor_id ...
const std::vector<std::string_view>& namespace_placeholders();   // framework_id role

inline constexpr std::uint64_t kDefaultMaxFileSize = 10ull << 20;
inline constexpr unsigned kDefaultMaxFiles = 5;
inline constexpr unsigned kMaxMaxFiles = 1000;                   // the companion's limit
inline constexpr std::uint64_t kDefaultMaxLineBytes = 48 << 10;  // journald's LineMax
inline constexpr std::uint64_t kMaxMaxLineBytes = 64ull << 20;   // the companion's limit
inline constexpr std::uint64_t kDefaultBufferSize = 8ull << 20;
inline constexpr std::uint64_t kMinBufferSize = 64ull << 10;   // the companion's limits
inline constexpr std::uint64_t kMaxBufferSize = 1ull << 30;
inline constexpr std::string_view kDefaultIdentifier = "{task_name|executor_name|executor_id}";

struct LoggerConfig {
  Destination destination = Destination::kJournaldAndSandbox;
  std::string companion_path;
  std::uint64_t max_stdout_size = kDefaultMaxFileSize;
  std::uint64_t max_stderr_size = kDefaultMaxFileSize;
  unsigned max_files = kDefaultMaxFiles;
  NameTemplate namespace_template;  // empty: the default journal
  NameTemplate identifier_template;
  std::vector<Field> extra_fields;
  LabelPolicy labels;
  std::uint64_t max_line_bytes = kDefaultMaxLineBytes;
  std::string environment_variable_prefix = "CONTAINER_LOGGER_";
  std::set<std::string> overridable;
  CgroupPlacementMode cgroup_placement = CgroupPlacementMode::kAuto;
  std::string cgroup_root = "/sys/fs/cgroup";
  // container: an agent running as root starts the companion as the container's user.
  CompanionUser companion_user = CompanionUser::kContainer;
  Overflow overflow = Overflow::kBlock;
  std::uint64_t buffer_size = kDefaultBufferSize;  // overflow=drop only
  // stream: a transient service per container writes through journald's stream
  // protocol, the fields being the unit's LogExtraFields= (docs/systemd.md).
  JournalTransport transport = JournalTransport::kNative;
  std::optional<std::chrono::milliseconds> log_rate_limit_interval;  // transport=stream only
  std::optional<std::uint32_t> log_rate_limit_burst;
};

// The default configuration: what an empty parameter list gives.
LoggerConfig default_logger_config();

Result<LoggerConfig> parse_logger_config(const std::map<std::string, std::string>& parameters);
// As Mesos hands parameters over: a list in which a key given twice is an error too.
Result<LoggerConfig> parse_logger_config(const std::vector<std::pair<std::string, std::string>>& parameters);

// Value parsers shared with the per-task overrides. Errors do not name the key: the
// caller prefixes the parameter or variable name.
Result<Destination> parse_destination(std::string_view text);
Result<std::uint64_t> parse_file_size(std::string_view text);
Result<unsigned> parse_max_files(std::string_view text);
Result<std::uint64_t> parse_max_line_bytes(std::string_view text);
Result<NameTemplate> parse_identifier_template(std::string_view text);
Result<Overflow> parse_overflow(std::string_view text);
Result<std::uint64_t> parse_buffer_size(std::string_view text);

const char* destination_name(Destination d);
bool writes_journal(Destination d);
bool writes_sandbox(Destination d);
// transport=stream applies: journald is written, and not with overflow=drop (which a
// task may set; only the native transport can mark gaps).
bool uses_stream_transport(const LoggerConfig& c);

// What initialize() checks: the companion is an absolute path to an executable file.
Status check_companion_path(const std::string& path);

}  // namespace mj
