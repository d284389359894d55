#include "reader/journal_record.h"

namespace mj {

const char* stream_name(ReaderStream s) {
  switch (s) {
    case ReaderStream::kStdout: return "stdout";
    case ReaderStream::kStderr: return "stderr";
    case ReaderStream::kUnknown: break;
  }
  return "-";
}

}  // namespace mj
