#include "simulator/book.h"

#include <random>
#include <set>

#include "core/clock.h"
#include "core/validate.h"

namespace repay::sim {
namespace {

constexpr std::string_view kSurnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
    "欧阳", "司马"};
constexpr std::string_view kGiven[] = {
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "兰", "萍", "红", "鹏", "辉",
    "建", "文", "斌", "宇", "浩", "凯", "婷", "雪", "琳", "晨"};
// Administrative division codes (the first six digits of an ID).
constexpr std::string_view kRegions[] = {"110101", "310104", "440106", "330106", "510107",
                                         "420102", "320102", "610113", "370102", "500103"};
constexpr std::string_view kDebitBins[] = {"622848", "621700", "622202", "621226", "623668"};
constexpr std::string_view kCreditBins[] = {"622588", "625802", "628290", "622155"};
constexpr Fen kLimits[] = {500000, 1000000, 2000000, 5000000};

// Draws on top of mt19937_64 with plain modulo: the book must be the same on every standard
// library, which the std distributions do not promise.
class Draw {
 public:
  explicit Draw(uint64_t seed) : rng_(seed) {}
  uint64_t below(uint64_t n) { return rng_() % n; }
  int64_t between(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo + 1)));
  }
  std::string digits(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += static_cast<char>('0' + below(10));
    return s;
  }
  template <class T, size_t N>
  const T& pick(const T (&a)[N]) { return a[below(N)]; }

 private:
  std::mt19937_64 rng_;
};

std::string make_card(Draw& d, std::string_view bin, size_t length) {
  std::string body = std::string(bin) + d.digits(length - bin.size() - 1);
  return body + luhn_check_digit(body);
}

std::string make_id(Draw& d) {
  Date birth = Date(1960, 1, 1) + boost::gregorian::days(d.between(0, 16070));  // to ~2003
  std::string first17 = std::string(d.pick(kRegions)) + format_date(birth) +
                        std::to_string(d.between(100, 999));
  return first17 + gb11643_check_char(first17);
}

std::vector<std::string> split(std::string_view line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t bar = line.find('|', start);
    out.emplace_back(line.substr(start, bar == std::string_view::npos ? line.npos : bar - start));
    if (bar == std::string_view::npos) return out;
    start = bar + 1;
  }
}

}  // namespace

std::string_view to_string(CardState s) {
  switch (s) {
    case CardState::kNormal: return "NORMAL";
    case CardState::kFrozen: return "FROZEN";
    case CardState::kClosed: return "CLOSED";
  }
  return "NORMAL";
}

char luhn_check_digit(std::string_view digits) {
  int sum = 0;
  bool dbl = true;  // the rightmost digit of `digits` is doubled once the check digit is appended
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int v = *it - '0';
    if (dbl) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
    dbl = !dbl;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

char gb11643_check_char(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kChars[] = "10X98765432";
  int sum = 0;
  for (size_t i = 0; i < 17 && i < first17.size(); ++i) sum += (first17[i] - '0') * kWeights[i];
  return kChars[sum % 11];
}

std::vector<Cardholder> generate_book(uint64_t seed, size_t count) {
  Draw d(seed);
  std::set<std::string> seen;  // cards, IDs and mobiles are unique across the book
  auto unique = [&](auto make) {
    while (true) {
      std::string v = make();
      if (seen.insert(v).second) return v;
    }
  };
  std::vector<Cardholder> book;
  book.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    Cardholder c;
    c.name = std::string(d.pick(kSurnames)) + std::string(d.pick(kGiven));
    if (d.below(2) == 1) c.name += d.pick(kGiven);
    c.id_no = unique([&] { return make_id(d); });
    c.debit_card = unique([&] {
      return make_card(d, d.pick(kDebitBins), static_cast<size_t>(d.between(16, 19)));
    });
    c.mobile = unique([&] { return "1" + std::to_string(d.between(3, 9)) + d.digits(9); });
    c.limit = d.pick(kLimits);
    int64_t r = d.between(0, 99);
    c.state = r < 5 ? CardState::kFrozen : r < 8 ? CardState::kClosed : CardState::kNormal;
    c.balance = r >= 8 && r < 13 ? d.between(0, 5000) : d.between(100000, 50000000);
    c.credit_card = unique([&] { return make_card(d, d.pick(kCreditBins), 16); });
    book.push_back(std::move(c));
  }
  return book;
}

std::string format_book(const std::vector<Cardholder>& book) {
  std::string out = "H|book|" + std::to_string(book.size()) + "\n";
  for (const Cardholder& c : book) {
    out += "D|" + c.name + "|" + c.id_type + "|" + c.id_no + "|" + c.debit_card + "|" + c.mobile +
           "|" + std::to_string(c.balance) + "|" + std::to_string(c.limit) + "|" +
           std::string(to_string(c.state)) + "|" + c.credit_card + "\n";
  }
  return out;
}

Result<std::vector<Cardholder>> parse_book(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == text.npos ? text.npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == text.npos) break;
    start = nl + 1;
  }
  auto bad = [](size_t n, std::string msg) {
    return make_error("BOOK", std::move(msg), {}, {}, "book line " + std::to_string(n));
  };
  if (lines.empty()) return bad(1, "empty book");
  auto header = split(lines[0]);
  if (header.size() != 3 || header[0] != "H" || header[1] != "book") return bad(1, "bad header");
  auto count = parse_amount(header[2]);
  if (!count || *count != static_cast<int64_t>(lines.size() - 1)) {
    return bad(1, "count does not match the D lines");
  }
  std::vector<Cardholder> book;
  for (size_t i = 1; i < lines.size(); ++i) {
    auto f = split(lines[i]);
    if (f.size() != 10 || f[0] != "D") return bad(i + 1, "expected 10 fields starting with D");
    Cardholder c;
    c.name = f[1];
    c.id_type = f[2];
    c.id_no = f[3];
    c.debit_card = f[4];
    c.mobile = f[5];
    auto balance = parse_amount(f[6]);
    auto limit = parse_amount(f[7]);
    if (!is_name(c.name) || !is_id_type(c.id_type) || !is_id_no_form(c.id_no) ||
        !is_card_form(c.debit_card) || !is_mobile(c.mobile) || !balance || !limit ||
        !is_card_form(f[9])) {
      return bad(i + 1, "a field is badly formed");
    }
    c.balance = *balance;
    c.limit = *limit;
    if (f[8] == "NORMAL") c.state = CardState::kNormal;
    else if (f[8] == "FROZEN") c.state = CardState::kFrozen;
    else if (f[8] == "CLOSED") c.state = CardState::kClosed;
    else return bad(i + 1, "state must be NORMAL, FROZEN or CLOSED");
    c.credit_card = f[9];
    book.push_back(std::move(c));
  }
  return book;
}

}  // namespace repay::sim
