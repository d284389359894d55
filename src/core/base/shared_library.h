// A library loaded with dlopen() when a feature first needs it (libsystemd for the
// journal read-back and for sd-bus), so that companions which never use the feature do
// not map it: start-up time and private memory.
#pragma once

#include <dlfcn.h>

#include <string>

#include "core/base/result.h"

namespace mj {

class SharedLibrary {
 public:
  SharedLibrary() = default;
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;
  ~SharedLibrary() {
    if (handle_) ::dlclose(handle_);
  }

  Status open(const char* name) {
    if (handle_) return Status::success();
    handle_ = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!handle_) return Error{std::string("cannot load ") + name + ": " + ::dlerror()};
    return Status::success();
  }

  // Sets `f` to the symbol `name`; false (and `missing()` says which) when there is none.
  template <typename F>
  bool resolve(F& f, const char* name) {
    f = reinterpret_cast<F>(::dlsym(handle_, name));
    if (!f && missing_.empty()) missing_ = name;
    return f != nullptr;
  }
  const std::string& missing() const { return missing_; }

 private:
  void* handle_ = nullptr;
  std::string missing_;
};

}  // namespace mj
