// mesos-journald-pipe: see docs/companion.md.
#include <unistd.h>

#include <cstdio>

#include "pipe/companion.h"
#include "pipe/pipe_options.h"

int main(int argc, char** argv) {
  mj::ParsedCommandLine parsed = mj::parse_command_line(argc, argv);
  if (!parsed.options) {
    std::FILE* out = parsed.exit_code == 0 ? stdout : stderr;
    std::fputs(parsed.output.c_str(), out);
    return parsed.exit_code;
  }
  return mj::run_companion(*parsed.options);
}
