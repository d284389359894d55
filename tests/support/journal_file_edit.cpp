#include "journal_file_edit.h"

#include <filesystem>
#include <fstream>
#include <iterator>

namespace mj::test {
namespace {

std::uint64_t le64(const std::string& b, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}

void put_le64(std::string& b, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
}

}  // namespace

// systemd's journal-def.h: a DataObject is a 16-byte object header (type at +0, size at
// +8), then hash, next_hash_offset, next_field_offset, entry_offset, entry_array_offset
// and n_entries (+56), 8 bytes each, then the payload (+64); compact files (header
// incompatible flag 1 << 4, byte 12) put two 32-bit fields before it (+72). Payloads this
// short are never compressed.
std::string unindex_newest_entry(const std::string& path, const std::string& value) {
  std::string b;
  {
    std::ifstream in(path, std::ios::binary);
    b.assign(std::istreambuf_iterator<char>(in), {});
  }
  if (b.size() < 16 || b.compare(0, 8, "LPKSHHRH") != 0) return path + " is not a journal file";
  const bool compact = (static_cast<unsigned char>(b[12]) & 0x10) != 0;
  const std::size_t payload_at = compact ? 72 : 64;
  for (std::size_t p = b.find(value); p != std::string::npos; p = b.find(value, p + 1)) {
    if (p < payload_at) continue;
    const std::size_t object = p - payload_at;
    // A data object (type 1) whose payload is exactly `value`, not a longer one it begins.
    if (b[object] != 1 || le64(b, object + 8) != payload_at + value.size()) continue;
    const std::uint64_t n = le64(b, object + 56);
    if (n < 2) return value + " is in fewer than two entries of " + path;
    put_le64(b, object + 56, n - 1);
    std::fstream out(path, std::ios::binary | std::ios::in | std::ios::out);
    out.seekp(static_cast<std::streamoff>(object + 56));
    out.write(b.data() + object + 56, 8);
    return out ? "" : "cannot write " + path;
  }
  return "no data object " + value + " in " + path;
}

std::string unindex_newest_entry_in(const std::string& directory, const std::string& value) {
  std::string why = "no journal file in " + directory;
  std::error_code ec;
  bool changed = false;
  for (const auto& f : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = f.path().filename();
    if (name.size() < 9 || (name.compare(name.size() - 8, 8, ".journal") != 0 &&
                            name.compare(name.size() - 9, 9, ".journal~") != 0))
      continue;
    std::string r = unindex_newest_entry(f.path(), value);
    if (r.empty()) changed = true;
    else why = r;
  }
  return changed ? "" : why;
}

}  // namespace mj::test
