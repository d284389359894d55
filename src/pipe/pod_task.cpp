#include "pipe/pod_task.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "core/base/unique_fd.h"
#include "core/base/wait_control.h"

namespace mj {
namespace {

// How often the links directory is looked at while waiting: the link comes once all of
// the group's containers are launched, typically within tens of milliseconds.
constexpr std::chrono::milliseconds kLookEvery{5};
constexpr std::size_t kMaxCheckpointBytes = 1 << 20;

std::string_view last_component(std::string_view path, std::string_view* rest) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  std::size_t slash = path.rfind('/');
  std::string_view last = slash == std::string_view::npos ? path : path.substr(slash + 1);
  *rest = slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
  return last;
}

// Protocol buffers' wire format, as far as reading a few length-delimited fields needs.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : p_(bytes) {}
  bool done() const { return p_.empty(); }

  bool varint(std::uint64_t* out) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_.empty()) return false;
      auto b = static_cast<unsigned char>(p_.front());
      p_.remove_prefix(1);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *out = v;
        return true;
      }
    }
    return false;
  }

  // The next field: its number, and its bytes when length-delimited (wire type 2).
  bool field(std::uint32_t* number, std::optional<std::string_view>* bytes) {
    std::uint64_t key = 0, n = 0;
    if (!varint(&key)) return false;
    *number = static_cast<std::uint32_t>(key >> 3);
    bytes->reset();
    switch (key & 7) {
      case 0:
        return varint(&n);
      case 1:
        return skip(8);
      case 2:
        if (!varint(&n) || n > p_.size()) return false;
        *bytes = p_.substr(0, static_cast<std::size_t>(n));
        p_.remove_prefix(static_cast<std::size_t>(n));
        return true;
      case 5:
        return skip(4);
      default:
        return false;  // groups are not in mesos.Task
    }
  }

 private:
  bool skip(std::size_t n) {
    if (p_.size() < n) return false;
    p_.remove_prefix(n);
    return true;
  }
  std::string_view p_;
};

}  // namespace

std::optional<std::string> find_task_link(const std::string& links_dir, const std::string& container_id) {
  UniqueFd dir(::open(links_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) return std::nullopt;
  DIR* d = ::fdopendir(dir.get());
  if (!d) return std::nullopt;
  (void)dir.release();  // closedir() closes it
  std::optional<std::string> found;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == ".." || e->d_type == DT_DIR || e->d_type == DT_REG) continue;
    char target[4096];
    ssize_t n = ::readlinkat(::dirfd(d), e->d_name, target, sizeof target);
    if (n <= 0 || static_cast<std::size_t>(n) >= sizeof target) continue;
    std::string_view rest;
    if (last_component({target, static_cast<std::size_t>(n)}, &rest) != container_id) continue;
    std::string_view ignored;
    if (last_component(rest, &ignored) != "containers") continue;
    found = std::string(name);
    break;
  }
  ::closedir(d);
  return found;
}

std::optional<std::string> task_name_from_checkpoint(std::string_view bytes, const std::string& task_id) {
  std::uint32_t size = 0;
  if (bytes.size() < sizeof size) return std::nullopt;
  std::memcpy(&size, bytes.data(), sizeof size);
  bytes.remove_prefix(sizeof size);
  if (size > bytes.size()) return std::nullopt;
  WireReader task(bytes.substr(0, size));
  std::optional<std::string> name, id;
  while (!task.done()) {
    std::uint32_t number = 0;
    std::optional<std::string_view> value;
    if (!task.field(&number, &value)) return std::nullopt;
    if (number == 1 && value) name = std::string(*value);  // Task.name
    if (number == 2 && value) {                             // Task.task_id: TaskID { value = 1 }
      WireReader task_id_message(*value);
      while (!task_id_message.done()) {
        std::uint32_t inner = 0;
        std::optional<std::string_view> v;
        if (!task_id_message.field(&inner, &v)) return std::nullopt;
        if (inner == 1 && v) id = std::string(*v);
      }
    }
  }
  if (!name || !id || *id != task_id) return std::nullopt;
  return name;
}

std::string checkpointed_task_name(const std::string& meta_dir, const std::string& task_id) {
  if (meta_dir.empty() || task_id.empty() || task_id == "." || task_id == ".." ||
      task_id.find('/') != std::string::npos)
    return "";
  std::string path = meta_dir + "/tasks/" + task_id + "/task.info";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return "";
  std::string bytes;
  char buf[16 * 1024];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(buf, static_cast<std::size_t>(n));
    if (bytes.size() > kMaxCheckpointBytes) return "";
  }
  return task_name_from_checkpoint(bytes, task_id).value_or("");
}

Result<PodTask> await_pod_task(const PodTaskSource& source, int signal_fd) {
  const Clock::time_point end = Clock::now() + source.wait;
  for (;;) {
    if (auto id = find_task_link(source.links_dir, source.container_id))
      return PodTask{*id, checkpointed_task_name(source.meta_dir, *id)};
    Clock::time_point now = Clock::now();
    if (now >= end)
      return Error{"no task links to container " + source.container_id + " in " + source.links_dir + " after " +
                   std::to_string(source.wait.count()) + " ms"};
    struct pollfd p = {signal_fd, POLLIN, 0};
    int timeout = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::min<Clock::duration>(kLookEvery, end - now)).count());
    if (::poll(&p, signal_fd >= 0 ? 1 : 0, timeout) > 0)
      return Error{"a signal came before a task linked to container " + source.container_id};
  }
}

}  // namespace mj
