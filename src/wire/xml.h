// The XML profile of common.md ("API messages: XML profile"): a root element naming the message,
// each field a child element holding text. Element order is free, an empty element is absent,
// text is taken as is, unknown elements are kept (callers ignore them). A DOCTYPE, DTD or entity
// declaration is rejected; only the five predefined entities and numeric references are allowed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace repay::wire {

struct XmlMessage {
  std::string root;
  std::map<std::string, std::string> fields;  // only non-empty elements

  // nullopt when absent or empty.
  std::optional<std::string> get(const std::string& name) const;
  bool has(const std::string& name) const { return get(name).has_value(); }
};

// Errors (code "2007", message says why): not well-formed; DOCTYPE/DTD/ENTITY; a field element
// with child elements; the same field twice; not UTF-8; an XML declaration naming another encoding.
Result<XmlMessage> parse_xml_message(std::string_view body);

// <root><name>escaped text</name>...</root> with an XML declaration; fields with empty values
// are written as empty elements.
std::string build_xml_message(std::string_view root,
                              const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace repay::wire
