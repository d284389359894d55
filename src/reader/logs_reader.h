// mesos-journald-logs' work: read the selection, rejoin, print; docs/reading.md.
#pragma once

#include "reader/reader_options.h"

namespace mj {

// The exit status: 0; 1 when nothing matched (without --follow) or the journal could
// not be read; messages go to stderr.
int run_reader(const ReaderOptions& options);

}  // namespace mj
