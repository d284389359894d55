// Steps both transports' companions take in the same way: becoming --user, opening the
// sandbox and its files.
#pragma once

#include <optional>

#include "core/base/diagnostics.h"
#include "core/base/result.h"
#include "core/base/unique_fd.h"
#include "core/entry/entry_template.h"
#include "core/files/rotating_file.h"
#include "pipe/pipe_options.h"

namespace mj {

// Puts /dev/null on fd 0 once standard input is no longer ours to read (it went to a
// stream, or to the stream transport's service), so that nothing else lands on fd 0.
void stdin_to_dev_null();

// --user: before the sandbox is opened and journald connected, so that files are created
// as the task's user and journald records the task's _UID. Success without --user.
Status become_user(const PipeOptions& o);

// The --sandbox directory (an invalid fd without --sandbox).
Result<UniqueFd> open_sandbox(const PipeOptions& o);

// The stream's rotating file in the sandbox; nothing without a sandbox.
Result<std::optional<RotatingFile>> open_stream_file(int sandbox_dir, StreamKind kind, const PipeOptions& o,
                                                     Diagnostics& diag);

}  // namespace mj
