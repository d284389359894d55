#include "core/entry/fields_file.h"

#include <nlohmann/json.hpp>

#include "core/entry/field_name.h"

namespace mj {

Result<std::vector<Field>> parse_fields_json(std::string_view text) {
  if (text.size() > kMaxFieldsFileBytes)
    return Error{"fields file is larger than " + std::to_string(kMaxFieldsFileBytes) + " bytes"};
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Error{"fields file is not valid JSON"};
  if (!doc.is_object()) return Error{"fields file must hold one JSON object of field names to values"};
  std::vector<Field> fields;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& name = it.key();
    if (Status s = check_user_field_name(name); !s) return Error{"fields file: " + s.error().message};
    auto add = [&](const nlohmann::json& v) -> Status {
      if (!v.is_string())
        return Error{"fields file: value of " + name + " must be a string or an array of strings"};
      fields.push_back(Field{name, v.get<std::string>()});
      return Status::success();
    };
    if (it->is_array()) {
      for (const auto& v : *it)
        if (Status s = add(v); !s) return s.error();
    } else if (Status s = add(*it); !s) {
      return s.error();
    }
  }
  return fields;
}

std::string format_fields_json(const std::vector<Field>& fields) {
  nlohmann::json doc = nlohmann::json::object();
  for (const Field& f : fields) {
    auto& slot = doc[f.name];
    if (slot.is_null()) slot = f.value;
    else if (slot.is_string()) slot = nlohmann::json::array({slot, f.value});
    else slot.push_back(f.value);
  }
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mj
