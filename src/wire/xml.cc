// The XML profile of common.md ("API messages: XML profile") over tinyxml2. tinyxml2 neither
// rejects DTDs nor unknown entities (it keeps "&foo;" as text) nor several well-formedness
// errors (a bare '&', two root elements, text beside the root, &#0;), so the raw text is
// screened first (xml_screen) and the tree is checked after parsing.
#include "wire/xml.h"

#include <cstdint>

#include <tinyxml2.h>

#include "core/codes.h"
#include "core/validate.h"

namespace repay::wire {
namespace {

Error xml_error(std::string message, std::string field = {}) {
  return make_error(codes::kInvalidField, std::move(message), std::move(field));
}

// XML 1.0 Char production.
bool is_xml_char(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The reference starting at body[i] == '&' ends at the returned index (of ';'); nullopt when it is
// neither one of the five predefined entities nor a numeric reference to an XML character.
std::optional<size_t> check_reference(std::string_view body, size_t i) {
  size_t semi = body.find(';', i);
  if (semi == std::string_view::npos || semi - i > 12) return std::nullopt;
  std::string_view name = body.substr(i + 1, semi - i - 1);
  if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") return semi;
  if (name.size() < 2 || name[0] != '#') return std::nullopt;
  bool hex = name[1] == 'x';
  std::string_view digits = name.substr(hex ? 2 : 1);
  if (digits.empty()) return std::nullopt;
  uint32_t cp = 0;
  for (char c : digits) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (hex && lower(c) >= 'a' && lower(c) <= 'f') d = lower(c) - 'a' + 10;
    else return std::nullopt;
    cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
    if (cp > 0x10FFFF) return std::nullopt;
  }
  if (!is_xml_char(cp)) return std::nullopt;
  return semi;
}

// The encoding named by an XML declaration's text ("xml version=... encoding=..."), "" if none.
std::string_view declared_encoding(std::string_view decl) {
  size_t p = decl.find("encoding");
  if (p == std::string_view::npos) return {};
  p += 8;
  while (p < decl.size() && (is_space(decl[p]) || decl[p] == '=')) ++p;
  if (p >= decl.size() || (decl[p] != '"' && decl[p] != '\'')) return {};
  size_t end = decl.find(decl[p], p + 1);
  if (end == std::string_view::npos) return {};
  return decl.substr(p + 1, end - p - 1);
}

// Screens the raw text: UTF-8 of XML characters only; no "<!" markup other than comments and
// CDATA (so no DOCTYPE, DTD or ENTITY/ELEMENT/ATTLIST declaration); only the allowed references;
// an XML declaration only at the start and naming UTF-8 if it names anything.
std::optional<Error> screen(std::string_view body) {
  if (!utf8_length(body)) return xml_error("message is not valid UTF-8");
  for (size_t i = 0; i < body.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(body[i]);
    bool bad = (c < 0x20 && !is_space(body[i])) ||
               // U+FFFE and U+FFFF (EF BF BE/BF) are not XML characters.
               (c == 0xEF && i + 2 < body.size() && body[i + 1] == '\xBF' &&
                (body[i + 2] == '\xBE' || body[i + 2] == '\xBF'));
    if (bad) return xml_error("message holds a character XML does not allow");
  }
  size_t start = body.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // a UTF-8 byte order mark
  for (size_t i = start; i < body.size(); ++i) {
    std::string_view rest = body.substr(i);
    if (rest.starts_with("<!--")) {
      size_t end = body.find("-->", i + 4);
      if (end == std::string_view::npos) return xml_error("unterminated comment");
      i = end + 2;
    } else if (rest.starts_with("<![CDATA[")) {
      size_t end = body.find("]]>", i + 9);
      if (end == std::string_view::npos) return xml_error("unterminated CDATA section");
      i = end + 2;
    } else if (rest.starts_with("<!")) {
      return xml_error("DOCTYPE, DTD or declarations are not allowed");
    } else if (rest.starts_with("<?")) {
      size_t end = body.find("?>", i + 2);
      if (end == std::string_view::npos) return xml_error("unterminated processing instruction");
      std::string_view pi = body.substr(i + 2, end - i - 2);
      if (pi.size() >= 3 && iequals(pi.substr(0, 3), "xml") && (pi.size() == 3 || is_space(pi[3]))) {
        if (i != start) return xml_error("XML declaration not at the start");
        std::string_view enc = declared_encoding(pi);
        if (!enc.empty() && !iequals(enc, "UTF-8")) {
          return xml_error("XML declaration names an encoding other than UTF-8");
        }
      }
      i = end + 1;
    } else if (body[i] == '&') {
      auto end = check_reference(body, i);
      if (!end) return xml_error("entity reference not allowed (only the five predefined and numeric)");
      i = *end;
    }
  }
  return std::nullopt;
}

// A field's text: all its text and CDATA children joined; comments are skipped.
Result<std::string> field_text(const tinyxml2::XMLElement& e) {
  std::string text;
  for (const auto* n = e.FirstChild(); n != nullptr; n = n->NextSibling()) {
    if (n->ToElement() != nullptr) return xml_error("field has child elements", e.Name());
    if (const auto* t = n->ToText()) text += t->Value();
  }
  return text;
}

}  // namespace

std::optional<std::string> XmlMessage::get(const std::string& name) const {
  auto it = fields.find(name);
  if (it == fields.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

Result<XmlMessage> parse_xml_message(std::string_view body) {
  if (auto err = screen(body)) return *err;
  tinyxml2::XMLDocument doc(/*processEntities=*/true, tinyxml2::PRESERVE_WHITESPACE);
  if (doc.Parse(body.data(), body.size()) != tinyxml2::XML_SUCCESS) {
    // The error's name and line only: tinyxml2's full message may quote content.
    return xml_error(std::string("not well-formed XML: ") + doc.ErrorName() + " at line " +
                     std::to_string(doc.ErrorLineNum()));
  }
  const tinyxml2::XMLElement* root = nullptr;
  for (const auto* n = doc.FirstChild(); n != nullptr; n = n->NextSibling()) {
    if (n->ToText() != nullptr) return xml_error("text outside the root element");
    if (const auto* e = n->ToElement()) {
      if (root != nullptr) return xml_error("more than one root element");
      root = e;
    }
  }
  if (root == nullptr) return xml_error("no root element");

  XmlMessage msg;
  msg.root = root->Name();
  std::map<std::string, bool> seen;
  for (const auto* n = root->FirstChild(); n != nullptr; n = n->NextSibling()) {
    if (n->ToText() != nullptr) return xml_error("text directly inside the root element");
    const auto* e = n->ToElement();
    if (e == nullptr) continue;  // comments, processing instructions
    std::string name = e->Name();
    if (!seen.emplace(name, true).second) return xml_error("field appears twice", name);
    auto text = field_text(*e);
    if (!text) return text.error();
    // common.md: an empty element is the same as an absent one.
    if (!text->empty()) msg.fields.emplace(std::move(name), std::move(*text));
  }
  return msg;
}

std::string build_xml_message(std::string_view root,
                              const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
  auto append_escaped = [&out](std::string_view text) {
    for (char c : text) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        // A raw CR would be read back as LF (XML end-of-line handling); a raw tab or line feed
        // alone in an element is whitespace a reader may drop: all three as references, which
        // every reader gives back as the character.
        case '\r': out += "&#13;"; break;
        case '\t': out += "&#9;"; break;
        case '\n': out += "&#10;"; break;
        default:
          // Other C0 controls cannot appear in XML 1.0 at all, not even as references; the
          // forms of common.md never allow them, so one here is replaced rather than sent.
          if (static_cast<unsigned char>(c) < 0x20) out += ' ';
          else out += c;
      }
    }
  };
  out += '<';
  out += root;
  out += '>';
  for (const auto& [name, value] : fields) {
    out += '<' + name + '>';
    append_escaped(value);
    out += "</" + name + '>';
  }
  out += "</";
  out += root;
  out += '>';
  return out;
}

}  // namespace repay::wire
