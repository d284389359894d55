// mesos-journald-logs: see docs/reading.md.
#include <csignal>
#include <cstdio>

#include "reader/logs_reader.h"
#include "reader/reader_options.h"
#include "reader/time_spec.h"

int main(int argc, char** argv) {
  mj::ParsedReaderCommandLine parsed = mj::parse_reader_command_line(argc, argv, mj::now_realtime_usec());
  if (!parsed.options) {
    std::FILE* out = parsed.exit_code == 0 ? stdout : stderr;
    std::fputs(parsed.output.c_str(), out);
    return parsed.exit_code;
  }
  // A closed standard output is seen as EPIPE and ends the reader quietly (exit 0).
  std::signal(SIGPIPE, SIG_IGN);
  return mj::run_reader(*parsed.options);
}
