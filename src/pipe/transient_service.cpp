#include "pipe/transient_service.h"

#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cstring>

#include "core/base/shared_library.h"

namespace mj {
namespace {

constexpr std::uint64_t kCallTimeoutUsec = 10 * 1000 * 1000;

std::string escape_dollars(const std::string& arg) {
  std::string out;
  for (char c : arg) {
    out.push_back(c);
    if (c == '$') out.push_back('$');
  }
  return out;
}

}  // namespace

struct SystemdManager::Api {
  SharedLibrary lib;
  decltype(&::sd_bus_open_system) open_system = nullptr;
  decltype(&::sd_bus_flush_close_unref) flush_close_unref = nullptr;
  decltype(&::sd_bus_message_new_method_call) new_method_call = nullptr;
  decltype(&::sd_bus_message_append) append = nullptr;
  decltype(&::sd_bus_message_append_array) append_array = nullptr;
  decltype(&::sd_bus_message_append_strv) append_strv = nullptr;
  decltype(&::sd_bus_message_open_container) open_container = nullptr;
  decltype(&::sd_bus_message_close_container) close_container = nullptr;
  decltype(&::sd_bus_message_unref) message_unref = nullptr;
  decltype(&::sd_bus_call) call = nullptr;
  decltype(&::sd_bus_error_free) error_free = nullptr;

  Status load() {
    if (Status s = lib.open("libsystemd.so.0"); !s) return s;
    bool ok = lib.resolve(open_system, "sd_bus_open_system") &&
              lib.resolve(flush_close_unref, "sd_bus_flush_close_unref") &&
              lib.resolve(new_method_call, "sd_bus_message_new_method_call") &&
              lib.resolve(append, "sd_bus_message_append") &&
              lib.resolve(append_array, "sd_bus_message_append_array") &&
              lib.resolve(append_strv, "sd_bus_message_append_strv") &&
              lib.resolve(open_container, "sd_bus_message_open_container") &&
              lib.resolve(close_container, "sd_bus_message_close_container") &&
              lib.resolve(message_unref, "sd_bus_message_unref") && lib.resolve(call, "sd_bus_call") &&
              lib.resolve(error_free, "sd_bus_error_free");
    if (!ok) return Error{"libsystemd lacks " + lib.missing()};
    return Status::success();
  }
};

std::string systemd_unavailable_reason() {
  // sd_booted()'s test: PID 1 is systemd exactly when this directory exists.
  if (::access("/run/systemd/system", F_OK) != 0) return "systemd is not the init system (no /run/systemd/system)";
  return "";
}

SystemdManager::SystemdManager(std::unique_ptr<Api> api, void* bus) : api_(std::move(api)), bus_(bus) {}

SystemdManager::~SystemdManager() {
  if (bus_) api_->flush_close_unref(static_cast<sd_bus*>(bus_));
}

Result<std::unique_ptr<SystemdManager>> SystemdManager::connect() {
  auto api = std::make_unique<Api>();
  if (Status s = api->load(); !s) return s.error();
  sd_bus* bus = nullptr;
  int r = api->open_system(&bus);
  if (r < 0) return Error::from_errno("cannot connect to the system bus", -r);
  return std::unique_ptr<SystemdManager>(new SystemdManager(std::move(api), bus));
}

Status SystemdManager::start_service(const TransientServiceSpec& spec) {
  const Api& a = *api_;
  sd_bus_message* m = nullptr;
  int r = a.new_method_call(static_cast<sd_bus*>(bus_), &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                            "org.freedesktop.systemd1.Manager", "StartTransientUnit");
  if (r < 0) return Error::from_errno("cannot create a D-Bus message", -r);
  struct Unref {
    const Api& a;
    sd_bus_message*& m;
    ~Unref() { a.message_unref(m); }
  } unref{a, m};

  // Every append can only fail for lack of memory or a bug in the signature; the first
  // failure is kept and reported.
  int failed = 0;
  auto check = [&](int rc) {
    if (rc < 0 && failed == 0) failed = rc;
  };
  check(a.append(m, "ss", spec.unit.c_str(), "fail"));
  check(a.open_container(m, 'a', "(sv)"));
  check(a.append(m, "(sv)", "Description", "s", spec.description.c_str()));
  check(a.append(m, "(sv)", "CollectMode", "s", "inactive-or-failed"));
  // ExecStart: a(sasb), path, argv, ignore-failure.
  check(a.open_container(m, 'r', "sv"));
  check(a.append(m, "s", "ExecStart"));
  check(a.open_container(m, 'v', "a(sasb)"));
  check(a.open_container(m, 'a', "(sasb)"));
  check(a.open_container(m, 'r', "sasb"));
  // systemd substitutes $VAR and ${VAR} in ExecStart= arguments when it runs them; "$$"
  // is a literal '$' (an identifier from a task name may hold one).
  std::vector<std::string> escaped;
  for (const std::string& arg : spec.argv) escaped.push_back(escape_dollars(arg));
  check(a.append(m, "s", spec.argv.front().c_str()));
  std::vector<char*> argv;
  for (std::string& arg : escaped) argv.push_back(arg.data());
  argv.push_back(nullptr);
  check(a.append_strv(m, argv.data()));
  check(a.append(m, "b", 0));
  for (int i = 0; i < 4; ++i) check(a.close_container(m));
  // LogExtraFields: aay, each "NAME=VALUE" as bytes (values may hold any byte).
  if (!spec.log_extra_fields.empty()) {
    check(a.open_container(m, 'r', "sv"));
    check(a.append(m, "s", "LogExtraFields"));
    check(a.open_container(m, 'v', "aay"));
    check(a.open_container(m, 'a', "ay"));
    for (const Field& f : spec.log_extra_fields) {
      std::string assignment = f.name + "=" + f.value;
      check(a.append_array(m, 'y', assignment.data(), assignment.size()));
    }
    for (int i = 0; i < 3; ++i) check(a.close_container(m));
  }
  if (spec.rate_limit_interval_usec)
    check(a.append(m, "(sv)", "LogRateLimitIntervalUSec", "t", *spec.rate_limit_interval_usec));
  if (spec.rate_limit_burst) check(a.append(m, "(sv)", "LogRateLimitBurst", "u", *spec.rate_limit_burst));
  if (spec.stdin_fd >= 0) check(a.append(m, "(sv)", "StandardInputFileDescriptor", "h", spec.stdin_fd));
  if (spec.stdout_fd >= 0) check(a.append(m, "(sv)", "StandardOutputFileDescriptor", "h", spec.stdout_fd));
  if (spec.stderr_fd >= 0) check(a.append(m, "(sv)", "StandardErrorFileDescriptor", "h", spec.stderr_fd));
  check(a.close_container(m));
  check(a.append(m, "a(sa(sv))", 0));  // no auxiliary units
  if (failed < 0) return Error::from_errno("cannot build the StartTransientUnit call", -failed);

  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  r = a.call(static_cast<sd_bus*>(bus_), m, kCallTimeoutUsec, &error, &reply);
  std::string why;
  if (r < 0) {
    // e.g. org.freedesktop.DBus.Error.PropertyReadOnly / InvalidArgs from a systemd too
    // old for a property, AccessDenied without root.
    why = std::string("StartTransientUnit ") + spec.unit + ": " +
          (error.message ? error.message : std::strerror(-r)) + (error.name ? std::string(" (") + error.name + ")" : "");
  }
  a.error_free(&error);
  a.message_unref(reply);
  if (r < 0) return Error{why, -r};
  return Status::success();
}

void SystemdManager::stop_unit(const std::string& unit) {
  const Api& a = *api_;
  sd_bus_message* m = nullptr;
  if (a.new_method_call(static_cast<sd_bus*>(bus_), &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                        "org.freedesktop.systemd1.Manager", "StopUnit") < 0)
    return;
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  if (a.append(m, "ss", unit.c_str(), "replace") >= 0)
    (void)a.call(static_cast<sd_bus*>(bus_), m, kCallTimeoutUsec, &error, &reply);
  a.error_free(&error);
  a.message_unref(reply);
  a.message_unref(m);
}

}  // namespace mj
