// Conformance, batch (batch::BatchStore): batches end to end through the store under test
// (suite_store.h): batch::intake_file() on real batch files, then the store's pipeline, deadline
// and return-file statements, in a temporary directory with a real FieldCipher. Agreements are created the way signing creates them
// (SqlSigningStore::finish with create_agreement).
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include <doctest/doctest.h>

#include "batch/intake.h"
#include "batch/return_file.h"
#include "batch/returns.h"
#include "core/codes.h"
#include "core/validate.h"
#include "store/batch_blocks.h"
#include "store/conformance/suite_store.h"
#include "support/temp_dir.h"

namespace repay::store {
namespace {

using namespace std::chrono_literals;

bool all_force_failed(const Result<batch::ForceFailRound>& r) {
  if (!r) return false;
  for (const auto& [k, e] : r->failed) MESSAGE("force-fail of " << k.batch_no << " failed: " << e.to_string());
  return r->failed.empty();
}
using batch::BankFact;
using batch::DebitTask;
using batch::IntakeResult;
using batch::ItemState;
using batch::LateState;
using batch::Transition;

const std::string kKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string kDateText = "20261121";
const Date kDate(2026, 11, 21);
// Default timing (files.md): send_from 06:00, return_deadline 16:00, force_fail_lead 10 minutes.
const Instant kReceived = cst_time_on(kDate, 5 * 60);
const Instant kSendFrom = cst_time_on(kDate, 6 * 60);
const Instant kForceFail = cst_time_on(kDate, 15 * 60 + 50);

// --- synthetic data -------------------------------------------------------------------------

// Appends the Luhn check digit.
std::string luhn_complete(const std::string& body) {
  int sum = 0;
  bool dbl = true;  // the digit left of the check digit is doubled
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    int d = *it - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return body + static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string pad(int64_t n, int width) {
  std::string s = std::to_string(n);
  return std::string(static_cast<size_t>(width) - s.size(), '0') + s;
}

// 16 digits, Luhn-valid: 8-digit prefix, 7-digit number, check digit.
std::string card(const std::string& prefix8, int n) { return luhn_complete(prefix8 + pad(n, 7)); }

// The same card with its check digit wrong.
std::string bad_luhn(const std::string& c) {
  std::string s = c;
  s.back() = s.back() == '9' ? '0' : static_cast<char>(s.back() + 1);
  return s;
}

// GB 11643 ID: area 110101, born 1990-01-01, sequence n, check character computed.
std::string gb_id(int n) {
  std::string body = "11010119900101" + pad(n % 1000, 3);
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[static_cast<size_t>(i)] - '0') * kWeights[i];
  return body + "10X98765432"[sum % 11];
}

std::string bad_id(const std::string& id) {
  std::string s = id;
  s.back() = s.back() == '0' ? '1' : '0';
  return s;
}

struct Holder {
  std::string credit;
  std::string debit;
  std::string name;
  std::string id_type = "01";
  std::string id_no;
  std::string agreement_no;
  std::string kind;
};

// One D line's values; the file helper numbers them.
struct Line {
  std::string item_id;
  Holder h;
  Fen amount = 0;
  std::string memo;
};

// A batch file's text: header totals from the lines unless given.
std::string batch_text(const std::string& batch_no, const std::vector<Line>& lines,
                       std::optional<int64_t> count = {}, std::optional<Fen> amount = {},
                       const std::string& date = kDateText) {
  Fen sum = 0;
  for (const auto& l : lines) sum += l.amount;
  std::string s = "H|CC01|" + batch_no + "|" + date + "|" +
                  std::to_string(count.value_or(static_cast<int64_t>(lines.size()))) + "|" +
                  std::to_string(amount.value_or(sum)) + "\n";
  int seq = 0;
  for (const auto& l : lines) {
    s += "D|" + std::to_string(++seq) + "|" + l.item_id + "|" + l.h.credit + "|" + l.h.name + "|" +
         l.h.id_type + "|" + l.h.id_no + "|" + l.h.debit + "|" + l.h.agreement_no + "|" +
         std::to_string(l.amount) + "|" + l.memo + "\n";
  }
  return s;
}

std::string file_name(const std::string& batch_no, const std::string& date = kDateText) {
  return "REPAY_CC01_" + date + "_" + batch_no + ".txt";
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t bar = line.find('|', start);
    out.push_back(line.substr(start, bar - start));
    if (bar == std::string::npos) return out;
    start = bar + 1;
  }
}

// --- the rig --------------------------------------------------------------------------------

using testing::TempDir;

crypto::FieldCipher make_cipher() {
  auto c = crypto::FieldCipher::from_hex_key(kKey);
  REQUIRE(c.ok());
  return *c;
}

struct ItemRow {
  std::string item_id, state, resp_code, txn_no, req_sn, late_state, channel_id, fee_rule,
      channel_txn_no, claim_node;
  int64_t amount = 0, fee = 0, cardholder_fee = 0, debit_amount = 0, forced = 0, next_at = 0,
          query_count = 0, version = 0;
  std::optional<int64_t> finished_at;
};

struct Rig {
  TempDir dir;
  crypto::FieldCipher cipher = make_cipher();
  std::unique_ptr<conformance::StoreUnderTest> store;
  batch::BatchCenter center;
  batch::Hasher hash;
  int files = 0;
  int signings = 0;

  explicit Rig(int connections = 4) {
    store = conformance::open_store_under_test(dir.path + "/repay.db", cipher, connections);
    center.center_id = "CC01";
    hash = [this](const std::string& v) { return cipher.lookup_hash(v); };
  }

  Stores& s() { return store->stores(); }

  // Signs an agreement the way the signing use-case stores it.
  Holder sign(int n, const std::string& kind = signing::kCollect,
              const std::string& center_id = "CC01") {
    Holder h;
    h.credit = card("62220101", n);
    h.debit = card("62220202", n);
    h.name = "持卡人" + std::to_string(n);
    h.id_no = gb_id(n);
    h.kind = kind;
    const std::string req_no = "SIGN" + std::to_string(++signings);
    auto cl = s().signing().claim(center_id, req_no, "sign3", "canonical " + req_no, kReceived - 24h, 120s);
    REQUIRE(cl.ok());
    REQUIRE(cl->kind == signing::Claim::Kind::kClaimed);
    signing::SigningOutcome o;
    o.center_id = center_id;
    o.req_no = req_no;
    o.token = cl->token;
    o.actor = "api:" + center_id + ":" + req_no;
    o.now = kReceived - 24h;
    o.record.tx_code = "sign3";
    o.record.status = "SIGNED";
    o.record.resp_code = "0000";
    signing::Agreement a;
    a.agreement_no = "AG" + pad(n, 4);
    a.center_id = center_id;
    a.kind = kind;
    a.channel_id = kind == signing::kQuick ? "QP1" : "CB1";
    a.state = signing::AgreementState::kActive;
    a.holder = signing::CardHolder{h.credit, h.debit, h.name, h.id_type, h.id_no};
    if (kind == signing::kQuick) {
      a.mobile = "13800138000";
      a.protocol_no = "PROT" + pad(n, 4);
    }
    o.create_agreement = a;
    auto r = s().signing().finish(o);
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    h.agreement_no = r->agreement_no;
    REQUIRE(h.agreement_no == a.agreement_no);
    return h;
  }

  void revoke(const Holder& h) {
    const std::string req_no = "UNSIGN" + std::to_string(++signings);
    auto cl = s().signing().claim("CC01", req_no, "unsign", "canonical " + req_no, kReceived - 12h, 120s);
    REQUIRE(cl.ok());
    signing::SigningOutcome o;
    o.center_id = "CC01";
    o.req_no = req_no;
    o.token = cl->token;
    o.now = kReceived - 12h;
    o.record.tx_code = "unsign";
    o.record.status = "REVOKED";
    o.record.resp_code = "0000";
    o.revoke_agreement = h.agreement_no;
    REQUIRE(s().signing().finish(o).ok());
  }

  std::string write(const std::string& bytes) {
    const std::string path = dir.path + "/in" + std::to_string(++files) + ".txt";
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  IntakeResult intake(const std::string& name, const std::string& bytes, Instant at = kReceived,
                      const batch::BatchCenter* c = nullptr) {
    auto r = batch::intake_file(s().batches(), c ? *c : center, hash, write(bytes), name, at);
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    return *r;
  }

  IntakeResult accept(const std::string& batch_no, const std::vector<Line>& lines,
                      const batch::BatchCenter* c = nullptr) {
    auto r = intake(file_name(batch_no), batch_text(batch_no, lines), kReceived, c);
    REQUIRE(r.kind == IntakeResult::Kind::kAccepted);
    return r;
  }

  int64_t scalar(const std::string& sql) {
    auto c = s().pool().acquire();
    auto q = c->prepare(sql);
    REQUIRE_MESSAGE(q.ok(), q.error().to_string());
    auto row = q->step();
    REQUIRE(row.ok());
    REQUIRE(*row);
    return q->integer(0);
  }

  int64_t rows(const std::string& table) {
    auto n = s().count_rows(table);
    REQUIRE(n.ok());
    return *n;
  }

  // Items stored: rows, and items still packed (store/batch_blocks.h).
  int64_t items() {
    return rows("batch_items") + scalar("SELECT COALESCE(SUM(items), 0) FROM batch_blocks");
  }
  int64_t packed(const std::string& batch_no) {
    return scalar("SELECT COALESCE(SUM(items), 0) FROM batch_blocks WHERE batch_no = '" + batch_no + "'");
  }

  // An item as stored: its row, or — not unpacked yet — its entry in a block, PENDING.
  ItemRow item(const std::string& batch_no, int64_t seq) {
    auto c = s().pool().acquire();
    {
      auto k = c->prepare("SELECT data FROM batch_blocks WHERE center_id = 'CC01' AND batch_no = ? "
                          "AND first_seq <= ? ORDER BY first_seq DESC LIMIT 1");
      REQUIRE(k.ok());
      k->bind(1, batch_no).bind(2, seq);
      auto row = k->step();
      REQUIRE(row.ok());
      if (*row) {
        auto items = decode_block(k->blob(0));
        REQUIRE(items.ok());
        for (const auto& i : *items) {
          if (i.seq != seq) continue;
          ItemRow r;
          r.item_id = i.item_id;
          r.state = "PENDING";
          r.channel_id = i.channel_id;
          r.fee_rule = i.fee_rule;
          r.amount = i.amount;
          r.fee = i.fee;
          r.cardholder_fee = i.cardholder_fee;
          r.debit_amount = i.debit_amount;
          return r;
        }
      }
    }
    auto q = c->prepare(
        "SELECT item_id, state, resp_code, txn_no, req_sn, late_state, channel_id, fee_rule, "
        "channel_txn_no, claim_node, amount, fee, cardholder_fee, debit_amount, forced, next_at, "
        "query_count, version, finished_at FROM batch_items WHERE center_id = 'CC01' AND "
        "batch_no = ? AND seq = ?");
    REQUIRE(q.ok());
    q->bind(1, batch_no).bind(2, seq);
    auto row = q->step();
    REQUIRE(row.ok());
    REQUIRE_MESSAGE(*row, "no item " << batch_no << ":" << seq);
    ItemRow r;
    r.item_id = q->text(0);
    r.state = q->text(1);
    r.resp_code = q->text(2);
    r.txn_no = q->text(3);
    r.req_sn = q->text(4);
    r.late_state = q->text(5);
    r.channel_id = q->text(6);
    r.fee_rule = q->text(7);
    r.channel_txn_no = q->text(8);
    r.claim_node = q->text(9);
    r.amount = q->integer(10);
    r.fee = q->integer(11);
    r.cardholder_fee = q->integer(12);
    r.debit_amount = q->integer(13);
    r.forced = q->integer(14);
    r.next_at = q->integer(15);
    r.query_count = q->integer(16);
    r.version = q->integer(17);
    if (!q->is_null(18)) r.finished_at = q->integer(18);
    return r;
  }

  batch::BatchSummary summary(const std::string& batch_no) {
    auto b = s().batches().batch("CC01", batch_no);
    REQUIRE(b.ok());
    REQUIRE_MESSAGE(b->has_value(), "no batch " << batch_no);
    return **b;
  }

  int64_t open_items(const std::string& batch_no) {
    return scalar("SELECT open_items FROM batches WHERE batch_no = '" + batch_no + "'");
  }

  std::vector<DebitTask> claim(const std::string& channel, int max, Instant now,
                               const std::string& node = "node1") {
    auto r = s().batches().claim_debits(channel, max, now, node);
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    return *r;
  }

  std::vector<DebitTask> claim_queries(const std::string& channel, int max, Instant now) {
    auto r = s().batches().claim_queries(channel, max, now, 30s);
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    return *r;
  }

  Transition apply(const std::string& batch_no, int64_t seq, BankFact f, Instant now,
                   Instant retry_at = {}) {
    batch::BatchStore::Fact fact{batch::ItemKey{"CC01", batch_no, seq}, std::move(f), retry_at};
    auto r = s().batches().apply_facts({fact}, now, "test");
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    REQUIRE(r->size() == 1);
    return r->front();
  }
};

BankFact fact(BankFact::Kind k, const std::string& code = "") {
  BankFact f;
  f.kind = k;
  f.code = code;
  if (k == BankFact::Kind::kSuccess) {
    f.channel_txn_no = "CT" + code;
    f.settle_date = kDateText;
  }
  return f;
}
const BankFact kSuccessFact = fact(BankFact::Kind::kSuccess);
const BankFact kUnknownFact = fact(BankFact::Kind::kUnknown);
const BankFact kBusyFact = fact(BankFact::Kind::kBusy);
const BankFact kNotFoundFact = fact(BankFact::Kind::kNotFound);

TEST_CASE("synthetic data is valid") {
  for (int n : {0, 1, 2, 99, 12345}) {
    CHECK(luhn_ok(card("62220101", n)));
    CHECK_FALSE(luhn_ok(bad_luhn(card("62220101", n))));
    CHECK(id_value_ok("01", gb_id(n)));
    CHECK_FALSE(id_value_ok("01", bad_id(gb_id(n))));
  }
  CHECK(id_value_ok("01", "11010519491231002X"));  // the standard's own example
  CHECK(gb_id(2) != gb_id(3));
}

// --- intake ---------------------------------------------------------------------------------

TEST_CASE("intake: every item code of files.md in one file, the first that applies wins") {
  Rig r;
  const Holder a1 = r.sign(1);
  const Holder a2 = r.sign(2, signing::kQuick);
  const Holder revoked = r.sign(3);
  r.revoke(revoked);
  const Holder other_center = r.sign(4, signing::kCollect, "CC02");

  Holder bad_card = a1;
  bad_card.credit = bad_luhn(a1.credit);
  Holder bad_debit_card = a1;
  bad_debit_card.debit = bad_luhn(a1.debit);
  Holder bad_idno = a1;
  bad_idno.id_no = bad_id(a1.id_no);
  Holder unknown = a1;
  unknown.agreement_no = "AGNONE";
  Holder other_name = a1;
  other_name.name = "别人";
  Holder other_debit = a1;
  other_debit.debit = card("62220303", 1);
  Holder other_credit = a1;
  other_credit.credit = card("62220404", 1);
  Holder other_id = a1;
  other_id.id_no = gb_id(99);
  Holder other_id_type = a1;
  other_id_type.id_type = "02";

  const Fen limit = r.center.per_item_limit;
  const std::vector<Line> lines = {
      {"ITEM01", a1, 10'000, "first"},         // 1 ok
      {"ITEM01", a2, 20'000, ""},              // 2 2006: repeats seq 1
      {"ITEM03", bad_card, 10'000, ""},        // 3 2003 credit card
      {"ITEM04", bad_idno, 10'000, ""},        // 4 2004
      {"ITEM05", a1, 0, ""},                   // 5 2005 zero
      {"ITEM06", a1, limit + 1, ""},           // 6 2005 over the per-item limit
      {"ITEM07", unknown, 10'000, ""},         // 7 2001 unknown
      {"ITEM08", revoked, 10'000, ""},         // 8 2001 revoked
      {"ITEM09", other_center, 10'000, ""},    // 9 2001 another center's
      {"ITEM10", other_name, 10'000, ""},      // 10 2002 name
      {"ITEM11", other_debit, 10'000, ""},     // 11 2002 debit card
      {"ITEM12", other_credit, 10'000, ""},    // 12 2002 credit card
      {"ITEM13", other_id, 10'000, ""},        // 13 2002 ID number
      {"ITEM14", other_id_type, 10'000, ""},   // 14 2002 ID type
      {"ITEM15", a2, 30'000, "quick"},         // 15 ok
      {"ITEM16", bad_card, 0, ""},             // 16 2003 before 2005
      {"ITEM03", a1, 10'000, ""},              // 17 2006: ITEM03 was used by seq 3 (rejected)
      {"ITEM18", a1, limit, ""},               // 18 ok: at the limit
      {"ITEM19", bad_debit_card, 10'000, ""},  // 19 2003 debit card
      {"ITEM20", unknown, 0, ""},              // 20 2005 before 2001
  };
  const std::vector<std::string> want = {
      "",     "2006", "2003", "2004", "2005", "2005", "2001", "2001", "2001", "2002",
      "2002", "2002", "2002", "2002", "",     "2003", "2006", "",     "2003", "2005"};

  auto res = r.accept("B001", lines);
  CHECK(res.status == "00");
  CHECK(res.items == 20);
  CHECK(res.rejected_items == 17);

  for (int64_t seq = 1; seq <= 20; ++seq) {
    CAPTURE(seq);
    const ItemRow it = r.item("B001", seq);
    const std::string& code = want[static_cast<size_t>(seq - 1)];
    CHECK(it.item_id == lines[static_cast<size_t>(seq - 1)].item_id);
    CHECK(it.amount == lines[static_cast<size_t>(seq - 1)].amount);
    if (code.empty()) {
      CHECK(it.state == "PENDING");
      CHECK(it.resp_code.empty());
      CHECK_FALSE(it.finished_at.has_value());
      CHECK(it.channel_id == (seq == 15 ? "QP1" : "CB1"));
    } else {
      CHECK(it.state == "REJECTED");
      CHECK(it.resp_code == code);
      CHECK(it.finished_at == to_unix_ms(kReceived));
      CHECK(it.channel_id.empty());  // never sent to a channel
    }
    CHECK(it.txn_no.empty());
    CHECK(it.req_sn.empty());
  }
  // The original of a repeated itemId is untouched; the itemId belongs to its first line.
  CHECK(r.scalar("SELECT seq FROM item_ids WHERE center_id = 'CC01' AND item_id = 'ITEM01'") == 1);
  CHECK(r.scalar("SELECT seq FROM item_ids WHERE center_id = 'CC01' AND item_id = 'ITEM03'") == 3);
  CHECK(r.rows("item_ids") == 18);

  const auto b = r.summary("B001");
  CHECK(b.state == batch::BatchState::kOpen);
  CHECK(b.total == 20);
  CHECK(b.failed == 17);
  CHECK(b.open == 3);
  CHECK(b.success == 0);
  CHECK(b.send_from_at == kSendFrom);
  CHECK(b.force_fail_at == kForceFail);
  CHECK(b.received_at == kReceived);
  CHECK(b.encoding == "UTF-8");
  CHECK(r.open_items("B001") == 3);

  // A later file: every itemId of the accepted file is used, whatever its result.
  const Holder a5 = r.sign(5);
  auto later = r.accept("B002", {{"ITEM01", a5, 100, ""},    // used by B001 (ok there)
                                 {"ITEM03", a5, 100, ""},    // used by B001 (2003 there)
                                 {"ITEM30", a5, 100, ""}});  // fresh
  CHECK(later.rejected_items == 2);
  CHECK(r.item("B002", 1).resp_code == "2006");
  CHECK(r.item("B002", 2).resp_code == "2006");
  CHECK(r.item("B002", 3).state == "PENDING");
  // ... and the originals keep their own results.
  CHECK(r.item("B001", 1).state == "PENDING");
  CHECK(r.item("B001", 3).resp_code == "2003");
  CHECK(r.scalar("SELECT batch_no = 'B001' FROM item_ids WHERE item_id = 'ITEM01'") == 1);

  // Another card center's itemIds are its own.
  batch::BatchCenter cc02 = r.center;
  cc02.center_id = "CC02";
  std::string text = batch_text("B001", {{"ITEM01", other_center, 100, ""}});
  text.replace(text.find("CC01"), 4, "CC02");
  auto theirs = r.intake("REPAY_CC02_20261121_B001.txt", text, kReceived, &cc02);
  REQUIRE(theirs.kind == IntakeResult::Kind::kAccepted);
  CHECK(theirs.rejected_items == 0);
}

TEST_CASE("intake: the same file again is skipped and stores nothing new") {
  Rig r;
  const Holder a1 = r.sign(1);
  const std::string text = batch_text("B001", {{"ITEM1", a1, 100, ""}, {"ITEM2", a1, 200, ""}});
  REQUIRE(r.intake(file_name("B001"), text).kind == IntakeResult::Kind::kAccepted);
  const int64_t files = r.rows("batch_files"), items = r.items(),
                ids = r.rows("item_ids"), batches = r.rows("batches"), audit = r.rows("audit");

  for (Instant at : {kReceived + 1min, kForceFail + 1h}) {  // even after the force-fail time
    auto again = r.intake(file_name("B001"), text, at);
    CHECK(again.kind == IntakeResult::Kind::kSkipped);
    CHECK(again.status.empty());
    CHECK(again.return_file.empty());
  }
  CHECK(r.rows("batch_files") == files);
  CHECK(r.items() == items);
  CHECK(r.rows("item_ids") == ids);
  CHECK(r.rows("batches") == batches);
  CHECK(r.rows("audit") == audit);
  CHECK(r.item("B001", 1).state == "PENDING");  // not 2006 against itself
  auto due = r.s().batches().rejections_due();
  REQUIRE(due.ok());
  CHECK(due->empty());
}

TEST_CASE("intake: batchNo reuse -> F3 REJ1, another bad file REJ2; the accepted batch is kept") {
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"ITEM1", a1, 100, ""}});

  auto f3 = r.intake(file_name("B001"), batch_text("B001", {{"ITEM9", a1, 900, ""}}));
  CHECK(f3.kind == IntakeResult::Kind::kRejected);
  CHECK(f3.status == "F3");
  CHECK(f3.error.code == "F3");
  CHECK(f3.return_file == "RET_CC01_20261121_B001_REJ1.txt");

  // Another bad one with the same batchNo (here totals that do not match: F2 comes before F3).
  auto f2 = r.intake(file_name("B001"), batch_text("B001", {{"ITEM8", a1, 800, ""}}, 2));
  CHECK(f2.status == "F2");
  CHECK(f2.return_file == "RET_CC01_20261121_B001_REJ2.txt");

  // And the very same rejected file again: skipped, no REJ3.
  auto same = r.intake(file_name("B001"), batch_text("B001", {{"ITEM8", a1, 800, ""}}, 2));
  CHECK(same.kind == IntakeResult::Kind::kSkipped);

  CHECK(r.summary("B001").total == 1);
  CHECK(r.item("B001", 1).item_id == "ITEM1");
  CHECK(r.items() == 1);
  CHECK(r.rows("item_ids") == 1);  // a rejected file uses no itemId

  auto due = r.s().batches().rejections_due();
  REQUIRE(due.ok());
  REQUIRE(due->size() == 2);
  CHECK((*due)[0].status == "F3");
  CHECK((*due)[0].return_file == "RET_CC01_20261121_B001_REJ1.txt");
  CHECK((*due)[0].header_count == 1);
  CHECK((*due)[0].header_amount == 900);
  CHECK((*due)[1].status == "F2");
  CHECK((*due)[1].return_file == "RET_CC01_20261121_B001_REJ2.txt");
  CHECK((*due)[1].header_count == 2);
  CHECK((*due)[1].header_amount == 800);
  CHECK((*due)[1].error.find("F2") != std::string::npos);
}

TEST_CASE("intake: a rejected file does not use its batchNo nor its itemIds") {
  Rig r;
  const Holder a1 = r.sign(1);
  const std::vector<Line> lines = {{"ITEM70", a1, 100, ""}, {"ITEM71", a1, 200, ""}};
  auto bad = r.intake(file_name("B007"), batch_text("B007", lines, std::nullopt, 301));
  CHECK(bad.status == "F2");
  CHECK(bad.return_file == "RET_CC01_20261121_B007_REJ1.txt");
  CHECK_FALSE(r.s().batches().batch("CC01", "B007")->has_value());
  // Its items were loaded while its first pass ran (batch/intake.cc): all gone again.
  CHECK(r.items() == 0);
  CHECK(r.rows("item_ids") == 0);
  // The very same file again: skipped, and its load discarded too.
  auto again = r.intake(file_name("B007"), batch_text("B007", lines, std::nullopt, 301));
  CHECK(again.kind == IntakeResult::Kind::kSkipped);
  CHECK_FALSE(r.s().batches().batch("CC01", "B007")->has_value());
  CHECK(r.items() == 0);
  CHECK(r.rows("item_ids") == 0);
  CHECK(r.rows("batch_files") == 1);

  auto fixed = r.intake(file_name("B007"), batch_text("B007", lines));
  CHECK(fixed.kind == IntakeResult::Kind::kAccepted);
  CHECK(fixed.rejected_items == 0);
  CHECK(r.summary("B007").state == batch::BatchState::kOpen);
  // A third file with that batchNo: now F3, and its rejection number continues (REJ2).
  auto f3 = r.intake(file_name("B007"), batch_text("B007", {{"ITEM72", a1, 100, ""}}));
  CHECK(f3.status == "F3");
  CHECK(f3.return_file == "RET_CC01_20261121_B007_REJ2.txt");
}

// A file of batchNo B009 rejected F1 (the two record_rejection race tests below).
batch::FileRecord rejected_b009() {
  batch::FileRecord f;
  f.center_id = "CC01";
  f.file_name = file_name("B009");
  f.sha256 = "sha-B009";
  f.received_at = kReceived;
  f.status = "F1";
  f.batch_no = "B009";
  f.batch_date = kDateText;
  return f;
}

// A rejection of the batchNo that another writer committed between this one's COUNT(*) and its
// insert (READ COMMITTED, no single writer; issue 17): replayed by a trigger that stores it just
// before the insert. The insert meets the unique key, numbers again and is REJ2; without the
// key both would be REJ1.
TEST_CASE("record_rejection: a number another writer took meanwhile is numbered again") {
  Rig r;
  REQUIRE(r.s().pool().acquire()->exec(
      "CREATE TABLE raced(done INTEGER);"
      "CREATE TRIGGER other_writer BEFORE INSERT ON batch_files WHEN NOT EXISTS (SELECT 1 FROM raced) "
      "BEGIN INSERT INTO raced VALUES (1); "
      "INSERT INTO batch_files(center_id, file_name, sha256, size, received_at, status, batch_no, "
      "batch_date, rejection_no, return_file) VALUES (NEW.center_id, 'OTHER.txt', 'other-sha', 1, "
      "NEW.received_at, 'F2', NEW.batch_no, NEW.batch_date, NEW.rejection_no, NEW.return_file); END").ok());
  batch::FileRecord f = rejected_b009();
  auto n = r.s().batches().record_rejection(f);
  REQUIRE_MESSAGE(n.ok(), n.error().to_string());
  CHECK(*n == 2);
  CHECK(r.scalar("SELECT rejection_no FROM batch_files WHERE file_name = 'OTHER.txt'") == 1);
  CHECK(r.scalar("SELECT rejection_no FROM batch_files WHERE sha256 = 'sha-B009'") == 2);
  auto got = r.s().batches().find_file("CC01", f.file_name, f.sha256);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->return_file == "RET_CC01_20261121_B009_REJ2.txt");
  // The very same file again (another writer stored it): its number, nothing stored.
  CHECK(*r.s().batches().record_rejection(f) == 2);
  CHECK(r.rows("batch_files") == 2);
}

// Every try finds its number taken (a row that COUNT(*) does not see holds it): BUSY after a
// bounded number of tries, nothing stored.
TEST_CASE("record_rejection: numbers taken on every try end in BUSY") {
  Rig r;
  REQUIRE(r.s().pool().acquire()->exec(
      "INSERT INTO batch_files(center_id, file_name, sha256, size, received_at, status, batch_no, "
      "batch_date, rejection_no) VALUES ('CC01', 'ODD.txt', 'odd', 1, 0, '00', 'B009', '20261121', 1)").ok());
  batch::FileRecord f = rejected_b009();
  auto n = r.s().batches().record_rejection(f);
  REQUIRE_FALSE(n.ok());
  CHECK(n.error().code == "BUSY");
  CHECK(r.rows("batch_files") == 1);
}

TEST_CASE("intake on a store of one connection: the load lets go of it before the file is judged") {
  Rig r(1);  // no second connection for the agreement reads, nor for the judging during the load
  const Holder a1 = r.sign(1);
  const std::vector<Line> lines = {{"ITEM1", a1, 100, ""}, {"ITEM1", a1, 200, ""}};
  auto bad = r.intake(file_name("B001"), batch_text("B001", lines, std::nullopt, 999));
  CHECK(bad.status == "F2");
  CHECK(r.items() == 0);
  auto ok = r.accept("B001", lines);
  CHECK(ok.items == 2);
  CHECK(ok.rejected_items == 1);
  CHECK(r.item("B001", 1).state == "PENDING");
  CHECK(r.item("B001", 2).resp_code == "2006");
  CHECK(r.summary("B001").total == 2);
}

TEST_CASE("intake: F6 when received at or after the force-fail time") {
  Rig r;
  const Holder a1 = r.sign(1);
  auto late = r.intake(file_name("B006"), batch_text("B006", {{"ITEM1", a1, 100, ""}}), kForceFail);
  CHECK(late.status == "F6");
  CHECK(late.return_file == "RET_CC01_20261121_B006_REJ1.txt");
  CHECK_FALSE(r.s().batches().batch("CC01", "B006")->has_value());
  CHECK(r.rows("item_ids") == 0);

  // A millisecond earlier it is accepted (another file: the one above is recorded as handled).
  auto in_time = r.intake(file_name("B006"), batch_text("B006", {{"ITEM1", a1, 100, "x"}}),
                          kForceFail - 1ms);
  CHECK(in_time.kind == IntakeResult::Kind::kAccepted);
  // Days early is fine: it waits for send_from.
  auto early = r.intake(file_name("B008"), batch_text("B008", {{"ITEM2", a1, 100, ""}}),
                        kReceived - 72h);
  CHECK(early.kind == IntakeResult::Kind::kAccepted);
}

TEST_CASE("intake: F1, F2, F4, F5 are recorded with their return file names") {
  Rig r;
  const Holder a1 = r.sign(1);
  const std::vector<Line> three = {{"I1", a1, 100, ""}, {"I2", a1, 200, ""}, {"I3", a1, 300, ""}};

  std::string gap = batch_text("F1B", three);
  gap.replace(gap.find("D|3|"), 4, "D|4|");
  auto f1 = r.intake(file_name("F1B"), gap);
  CHECK(f1.status == "F1");
  CHECK(f1.return_file == "RET_CC01_20261121_F1B_REJ1.txt");

  auto f2 = r.intake(file_name("F2B"), batch_text("F2B", three, 4));
  CHECK(f2.status == "F2");

  std::string invalid = batch_text("F4B", three);
  invalid.replace(invalid.find("I2|"), 3, "I2|\xC0\xAF");  // overlong UTF-8 in a card field
  auto f4 = r.intake(file_name("F4B"), invalid);
  CHECK(f4.status == "F4");

  batch::BatchCenter small = r.center;
  small.limits.max_items = 2;
  auto f5 = r.intake(file_name("F5B"), batch_text("F5B", three), kReceived, &small);
  CHECK(f5.status == "F5");

  for (const auto& [name, status, count, amount] :
       {std::tuple{"F1B", "F1", 3, 600}, {"F2B", "F2", 4, 600}, {"F5B", "F5", 3, 600}}) {
    CAPTURE(name);
    auto due = r.s().batches().rejections_due();
    REQUIRE(due.ok());
    bool found = false;
    for (const auto& f : *due) {
      if (f.batch_no != name) continue;
      found = true;
      CHECK(f.status == status);
      CHECK(f.center_id == "CC01");
      CHECK(f.batch_date == kDateText);
      CHECK(f.file_name == file_name(name));
      CHECK(f.return_file == batch::return_file_name("CC01", kDateText, name, 1));
      CHECK(f.header_count == count);
      CHECK(f.header_amount == amount);
      CHECK(f.received_at == kReceived);
      CHECK_FALSE(f.error.empty());
    }
    CHECK(found);
  }
  CHECK(r.rows("batches") == 0);
  CHECK(r.rows("batch_items") == 0);
  CHECK(r.rows("item_ids") == 0);

  // The rejection file: a header only, with the header's figures as received.
  auto due = r.s().batches().rejections_due();
  REQUIRE(due.ok());
  REQUIRE(due->size() == 4);
  const batch::FileRecord& rec = (*due)[1];
  REQUIRE(rec.batch_no == "F2B");
  const std::string out = r.dir.path + "/" + rec.return_file;
  auto w = batch::write_rejection_file(rec, files::Encoding::kUtf8, out);
  REQUIRE(w.ok());
  CHECK(file_bytes(out) == "H|CC01|F2B|20261121|F2|4|600|0|0|0|0\n");
  CHECK(w->size == file_bytes(out).size());

  REQUIRE(r.s().batches().mark_rejection_returned("CC01", rec.file_name, rec.sha256, kReceived + 1min).ok());
  auto after = r.s().batches().rejections_due();
  REQUIRE(after.ok());
  CHECK(after->size() == 3);
}

TEST_CASE("intake: fees, FIXED and PERCENT, paid by the center or by the cardholder") {
  Rig r;
  const Holder collect = r.sign(1);
  const Holder quick = r.sign(2, signing::kQuick);

  batch::BatchCenter c1 = r.center;
  c1.fee_collect.kind = "FIXED";
  c1.fee_collect.fixed = 200;
  c1.fee_collect.payer = "CARDHOLDER";
  c1.fee_quick.kind = "PERCENT";
  c1.fee_quick.basis_points = 15;
  c1.fee_quick.min = 100;
  c1.fee_quick.payer = "CENTER";
  r.accept("B001", {{"I1", collect, 10'000, ""},      // FIXED 200 by the cardholder
                    {"I2", quick, 1'000'000, ""},     // 0.15% = 1500 by the center
                    {"I3", quick, 10'000, ""}},       // 15 -> the minimum 100
           &c1);
  auto i1 = r.item("B001", 1);
  CHECK(i1.fee == 200);
  CHECK(i1.cardholder_fee == 200);
  CHECK(i1.debit_amount == 10'200);
  CHECK(i1.fee_rule == "FIXED:200/CARDHOLDER");
  auto i2 = r.item("B001", 2);
  CHECK(i2.fee == 1500);
  CHECK(i2.cardholder_fee == 0);
  CHECK(i2.debit_amount == 1'000'000);
  CHECK(i2.fee_rule == "PERCENT:15:min=100:max=0/CENTER");
  auto i3 = r.item("B001", 3);
  CHECK(i3.fee == 100);
  CHECK(i3.cardholder_fee == 0);
  CHECK(i3.debit_amount == 10'000);

  batch::BatchCenter c2 = r.center;
  c2.fee_collect.kind = "FIXED";
  c2.fee_collect.fixed = 300;
  c2.fee_collect.payer = "CENTER";
  c2.fee_quick.kind = "PERCENT";
  c2.fee_quick.basis_points = 20;
  c2.fee_quick.payer = "CARDHOLDER";
  c2.fee_quick.max = 1500;
  r.accept("B002", {{"J1", collect, 10'000, ""},   // FIXED 300 by the center
                    {"J2", quick, 500'000, ""},    // 0.20% = 1000 by the cardholder
                    {"J3", quick, 1'000'000, ""}},  // 2000 -> the maximum 1500
           &c2);
  auto j1 = r.item("B002", 1);
  CHECK(j1.fee == 300);
  CHECK(j1.cardholder_fee == 0);
  CHECK(j1.debit_amount == 10'000);
  auto j2 = r.item("B002", 2);
  CHECK(j2.fee == 1000);
  CHECK(j2.cardholder_fee == 1000);
  CHECK(j2.debit_amount == 501'000);
  auto j3 = r.item("B002", 3);
  CHECK(j3.fee == 1500);
  CHECK(j3.debit_amount == 1'001'500);

  // The DEBIT asks for amount + cardholder fee.
  auto tasks = r.claim("QP1", 10, kSendFrom);
  REQUIRE(tasks.size() == 4);
  std::map<std::string, Fen> amount_of;
  for (const auto& t : tasks) amount_of[t.batch_no + ":" + std::to_string(t.seq)] = t.debit_amount;
  CHECK(amount_of["B001:2"] == 1'000'000);
  CHECK(amount_of["B001:3"] == 10'000);
  CHECK(amount_of["B002:2"] == 501'000);
  CHECK(amount_of["B002:3"] == 1'001'500);
  auto collects = r.claim("CB1", 10, kSendFrom);
  REQUIRE(collects.size() == 2);
  CHECK(collects[0].debit_amount == 10'200);
  CHECK(collects[1].debit_amount == 10'000);
}

// What intake_file gives start_loading for a file of `batch_no` received at kReceived.
batch::NewBatch loading_batch(const std::string& batch_no) {
  batch::NewBatch nb;
  nb.center_id = "CC01";
  nb.batch_no = batch_no;
  nb.batch_date = kDateText;
  nb.file_name = file_name(batch_no);
  nb.received_at = kReceived;
  nb.send_from_at = kSendFrom;
  nb.force_fail_at = kForceFail;
  nb.encoding = "UTF-8";
  return nb;
}

TEST_CASE("intake: a batch left LOADING by a crash is discarded even when its file is then rejected") {
  Rig r;
  const Holder a1 = r.sign(1);
  {
    const batch::NewBatch nb = loading_batch("B010");
    auto loader = r.s().batches().start_loading(nb);
    REQUIRE(loader.ok());
    REQUIRE((*loader)->use_item_id("ITEMX", 1).ok());
    batch::NewItem it;
    it.seq = 1;
    it.item_id = "ITEMX";
    it.agreement_no = a1.agreement_no;
    it.channel_id = "CB1";
    it.amount = 100;
    it.debit_amount = 100;
    REQUIRE((*loader)->add(it).ok());
    REQUIRE((*loader)->suspend().ok());  // committed; then the process died
  }
  CHECK(r.rows("item_ids") == 1);
  CHECK(r.items() == 1);
  // Picked up again only after the force-fail time: F6, and the half load is gone with it.
  auto late = r.intake(file_name("B010"), batch_text("B010", {{"ITEMX", a1, 100, ""}}), kForceFail + 1min);
  CHECK(late.status == "F6");
  CHECK(r.rows("item_ids") == 0);
  CHECK(r.items() == 0);
  CHECK_FALSE(r.s().batches().batch("CC01", "B010")->has_value());
  // ITEMX was never used by an accepted file: another batch may use it.
  auto other = r.accept("B011", {{"ITEMX", a1, 100, ""}});
  CHECK(other.rejected_items == 0);
}

TEST_CASE("intake: a load discarded by another intake of its batchNo stops and writes nothing more") {
  Rig r;
  const Holder a1 = r.sign(1);
  const batch::NewBatch nb = loading_batch("B012");
  auto item = [&](const std::string& id) {
    batch::NewItem it;
    it.seq = 1;
    it.item_id = id;
    it.agreement_no = a1.agreement_no;
    it.channel_id = "CB1";
    it.amount = 100;
    it.debit_amount = 100;
    return it;
  };
  batch::FileRecord f;
  f.center_id = "CC01";
  f.file_name = file_name("B012");
  f.sha256 = "sha";
  f.batch_no = "B012";
  f.batch_date = kDateText;
  f.header_count = 1;
  f.header_amount = 100;
  // Load A (say `repay serve`) commits a chunk and pauses...
  auto a = r.s().batches().start_loading(nb);
  REQUIRE(a.ok());
  REQUIRE((*a)->use_item_id("ITEMA", 1).ok());
  REQUIRE((*a)->add(item("ITEMA")).ok());
  REQUIRE((*a)->suspend().ok());
  // ... while load B (`repay batch pull` by hand) discards it and starts its own.
  REQUIRE(r.s().batches().discard_loading("CC01", "B012").ok());
  auto b = r.s().batches().start_loading(nb);
  REQUIRE(b.ok());
  REQUIRE((*b)->use_item_id("ITEMB", 1).ok());
  REQUIRE((*b)->add(item("ITEMB")).ok());
  REQUIRE((*b)->suspend().ok());
  // A cannot finish B's batch as its own.
  auto late = (*a)->finish(f);
  REQUIRE_FALSE(late.ok());
  CHECK(late.error().code == "STALE");
  a->reset();
  REQUIRE((*b)->finish(f).ok());
  CHECK(r.summary("B012").state == batch::BatchState::kOpen);
  CHECK(r.item("B012", 1).item_id == "ITEMB");
  CHECK(r.rows("item_ids") == 1);
  CHECK(r.rows("batch_files") == 1);
}

// The store, but every load fails at its `fail_at`-th item (a full disk, say): the rest forwarded.
class FailingLoadStore final : public batch::BatchStore {
 public:
  FailingLoadStore(Stores& s, int fail_at) : s_(s), fail_at_(fail_at) {}

  Result<std::optional<batch::FileRecord>> find_file(const std::string& c, const std::string& f,
                                                     const std::string& sha) override {
    return s_.batches().find_file(c, f, sha);
  }
  Result<std::optional<std::string>> accepted_batch_sha(const std::string& c, const std::string& b) override {
    return s_.batches().accepted_batch_sha(c, b);
  }
  Result<int> record_rejection(batch::FileRecord f) override { return s_.batches().record_rejection(std::move(f)); }
  Status discard_loading(const std::string& c, const std::string& b) override { return s_.batches().discard_loading(c, b); }
  Result<std::unique_ptr<batch::ItemLoader>> start_loading(const batch::NewBatch& b) override {
    auto inner = s_.batches().start_loading(b);
    if (!inner) return inner.error();
    return std::unique_ptr<batch::ItemLoader>(new Loader(std::move(*inner), fail_at_));
  }
  Result<std::vector<DebitTask>> claim_debits(const std::string& ch, int max, Instant now,
                                              const std::string& node) override {
    return s_.batches().claim_debits(ch, max, now, node);
  }
  Result<std::vector<DebitTask>> claim_queries(const std::string& ch, int max, Instant now,
                                               std::chrono::milliseconds lease) override {
    return s_.batches().claim_queries(ch, max, now, lease);
  }
  Result<std::vector<Transition>> apply_facts(const std::vector<Fact>& facts, Instant now,
                                              const std::string& actor) override {
    return s_.batches().apply_facts(facts, now, actor);
  }
  Result<std::optional<batch::ItemKey>> item_by_req_sn(const std::string& ch, const std::string& sn) override {
    return s_.batches().item_by_req_sn(ch, sn);
  }
  Result<int64_t> recover_claims(const std::string& node, Instant now) override {
    return s_.batches().recover_claims(node, now);
  }
  Result<batch::ForceFailRound> force_fail_due(Instant now, const std::string& actor) override {
    return s_.batches().force_fail_due(now, actor);
  }
  Result<std::vector<batch::BatchSummary>> returns_due() override { return s_.batches().returns_due(); }
  Result<std::vector<batch::FileRecord>> rejections_due() override { return s_.batches().rejections_due(); }
  Status for_each_return_line(const std::string& c, const std::string& b,
                              const std::function<Status(const batch::ReturnRow&)>& f) override {
    return s_.batches().for_each_return_line(c, b, f);
  }
  Status mark_returned(const std::string& c, const std::string& b, const std::string& f, Instant now) override {
    return s_.batches().mark_returned(c, b, f, now);
  }
  Status mark_rejection_returned(const std::string& c, const std::string& f, const std::string& sha,
                                 Instant now) override {
    return s_.batches().mark_rejection_returned(c, f, sha, now);
  }
  Result<std::vector<batch::BatchSummary>> batches(const std::string& c, bool open_only) override {
    return s_.batches().batches(c, open_only);
  }
  Result<std::optional<batch::BatchSummary>> batch(const std::string& c, const std::string& b) override {
    return s_.batches().batch(c, b);
  }
  Result<std::vector<batch::BatchSummary>> returned_batches(Instant since, int limit) override {
    return s_.batches().returned_batches(since, limit);
  }
  Result<int64_t> finished_since(const std::string& c, const std::string& b, Instant since) override {
    return s_.batches().finished_since(c, b, since);
  }

 private:
  class Loader final : public batch::ItemLoader {
   public:
    Loader(std::unique_ptr<batch::ItemLoader> inner, int fail_at) : inner_(std::move(inner)), left_(fail_at) {}
    Result<bool> use_item_id(const std::string& id, int64_t seq) override { return inner_->use_item_id(id, seq); }
    Result<std::shared_ptr<batch::LoadedAgreement>> agreement(const std::string& no) override {
      return inner_->agreement(no);
    }
    Status add(const batch::NewItem& item) override {
      if (--left_ == 0) return make_error("DB", "database or disk is full");
      return inner_->add(item);
    }
    Status suspend() override { return inner_->suspend(); }
    Status finish(const batch::FileRecord& f) override { return inner_->finish(f); }

   private:
    std::unique_ptr<batch::ItemLoader> inner_;
    int left_;
  };
  Stores& s_;
  int fail_at_;
};

TEST_CASE("intake: a load that fails midway is an error, retried later; nothing of it stays") {
  Rig r;
  const Holder a1 = r.sign(1);
  const std::vector<Line> lines = {{"ITEM1", a1, 100, ""}, {"ITEM2", a1, 200, ""}, {"ITEM3", a1, 300, ""}};
  const std::string path = r.write(batch_text("B013", lines));
  FailingLoadStore failing(r.s(), 2);
  auto res = batch::intake_file(failing, r.center, r.hash, path, file_name("B013"), kReceived);
  REQUIRE_FALSE(res.ok());  // not a rejection: the file is fine, the store was not
  CHECK(res.error().message == "database or disk is full");
  CHECK_FALSE(r.s().batches().batch("CC01", "B013")->has_value());
  CHECK(r.items() == 0);
  CHECK(r.rows("item_ids") == 0);
  CHECK(r.rows("batch_files") == 0);
  auto again = r.intake(file_name("B013"), batch_text("B013", lines));  // the next pull
  CHECK(again.kind == IntakeResult::Kind::kAccepted);
  CHECK(again.rejected_items == 0);
}

TEST_CASE("intake: a batch left LOADING by a crash is discarded and loaded afresh") {
  Rig r;
  const Holder a1 = r.sign(1);
  const std::vector<Line> lines = {{"ITEM1", a1, 100, ""}, {"ITEM2", a1, 200, ""},
                                   {"ITEM3", a1, 300, ""}};
  const std::string text = batch_text("B009", lines);
  const int64_t audit_before = r.rows("audit");
  {
    // What intake_file does, interrupted: more items than one chunk, so a chunk is committed.
    batch::NewBatch nb;
    nb.center_id = "CC01";
    nb.batch_no = "B009";
    nb.batch_date = kDateText;
    nb.file_name = file_name("B009");
    nb.sha256 = "not-the-real-sha";
    nb.total_count = 3;
    nb.total_amount = 600;
    nb.received_at = kReceived;
    nb.send_from_at = kSendFrom;
    nb.force_fail_at = kForceFail;
    nb.encoding = "UTF-8";
    auto loader = r.s().batches().start_loading(nb);
    REQUIRE(loader.ok());
    int64_t stored = 0;
    for (int64_t seq = 1; seq <= 20'005; ++seq) {
      const std::string id = "ITEM" + std::to_string(seq);
      auto fresh = (*loader)->use_item_id(id, seq);
      if (!fresh.ok() || !*fresh) break;
      batch::NewItem it;
      it.seq = seq;
      it.item_id = id;
      it.agreement_no = a1.agreement_no;
      it.channel_id = "CB1";
      it.amount = 100;
      it.debit_amount = 100;
      if (!(*loader)->add(it).ok()) break;
      ++stored;
    }
    REQUIRE(stored == 20'005);
    // The loader goes away without finish(): the process died.
  }
  const auto loading = r.summary("B009");
  CHECK(loading.state == batch::BatchState::kLoading);
  CHECK(r.items() == 20'000);  // the committed chunk
  CHECK(r.rows("item_ids") == 20'000);
  CHECK(r.rows("batch_files") == 0);
  // Nothing of a LOADING batch is sent.
  CHECK(r.claim("CB1", 10, kSendFrom).empty());
  // It is not "used" either: the batchNo is free for the file.
  CHECK_FALSE(r.s().batches().accepted_batch_sha("CC01", "B009")->has_value());

  auto res = r.intake(file_name("B009"), text);
  REQUIRE(res.kind == IntakeResult::Kind::kAccepted);
  CHECK(res.rejected_items == 0);  // no 2006 against its own earlier load
  CHECK(r.items() == 3);
  CHECK(r.rows("item_ids") == 3);
  for (int64_t seq = 1; seq <= 3; ++seq) {
    CHECK(r.item("B009", seq).state == "PENDING");
    CHECK(r.item("B009", seq).amount == seq * 100);
  }
  const auto b = r.summary("B009");
  CHECK(b.state == batch::BatchState::kOpen);
  CHECK(b.total == 3);
  CHECK(r.open_items("B009") == 3);
  CHECK(r.rows("audit") == audit_before + 1);  // the batch's acceptance
  // The stored batch names the real file.
  auto sha = r.s().batches().accepted_batch_sha("CC01", "B009");
  REQUIRE(sha->has_value());
  CHECK(**sha != "not-the-real-sha");
}

// --- claim_debits ---------------------------------------------------------------------------

TEST_CASE("claim_debits: window, order, TxnNo and ReqSn once, decrypted fields, disjoint") {
  Rig r;
  const Holder collect = r.sign(1);
  const Holder quick = r.sign(2, signing::kQuick);
  r.accept("B001", {{"I1", collect, 100, ""}, {"I2", collect, 200, ""}, {"I3", quick, 300, ""}});
  // B002 with an earlier force-fail time (return deadline 14:00).
  batch::BatchCenter early = r.center;
  early.timing.return_deadline_minutes = 14 * 60;
  r.accept("B002", {{"K1", collect, 400, ""}}, &early);
  const Instant b2_force_fail = cst_time_on(kDate, 13 * 60 + 50);
  CHECK(r.summary("B002").force_fail_at == b2_force_fail);

  CHECK(r.claim("CB1", 10, kSendFrom - 1ms).empty());  // not before send_from

  // The batch whose force-fail time comes first goes first.
  auto first = r.claim("CB1", 1, kSendFrom);
  REQUIRE(first.size() == 1);
  CHECK(first[0].batch_no == "B002");
  CHECK(first[0].force_fail_at == b2_force_fail);

  auto next = r.claim("CB1", 10, kSendFrom);
  REQUIRE(next.size() == 2);  // disjoint from the first claim
  CHECK(next[0].batch_no == "B001");
  CHECK(next[0].seq == 1);
  CHECK(next[1].seq == 2);
  CHECK(r.claim("CB1", 10, kSendFrom).empty());  // every CB1 item is SENDING now

  const DebitTask& t = next[0];
  CHECK(t.center_id == "CC01");
  CHECK(t.channel_id == "CB1");
  CHECK(t.kind == "COLLECT");
  CHECK(t.card_no == collect.debit);  // the debit card, decrypted
  CHECK(t.name == collect.name);
  CHECK(t.id_type == "01");
  CHECK(t.id_no == collect.id_no);
  CHECK(t.protocol_no.empty());
  CHECK(t.debit_amount == 100);
  CHECK(t.agreement_no == collect.agreement_no);
  CHECK(is_identifier(t.txn_no));
  CHECK(is_identifier(t.req_sn));
  std::set<std::string> txns = {first[0].txn_no, next[0].txn_no, next[1].txn_no};
  std::set<std::string> sns = {first[0].req_sn, next[0].req_sn, next[1].req_sn};
  CHECK(txns.size() == 3);
  CHECK(sns.size() == 3);

  // Stored before any call: SENDING with its claim.
  auto row = r.item("B001", 1);
  CHECK(row.state == "SENDING");
  CHECK(row.txn_no == t.txn_no);
  CHECK(row.req_sn == t.req_sn);
  CHECK(row.claim_node == "node1");
  CHECK(row.version == t.version);
  auto by_sn = r.s().batches().item_by_req_sn("CB1", t.req_sn);
  REQUIRE(by_sn.ok());
  REQUIRE(by_sn->has_value());
  CHECK((*by_sn)->batch_no == "B001");
  CHECK((*by_sn)->seq == 1);
  CHECK_FALSE(r.s().batches().item_by_req_sn("QP1", t.req_sn)->has_value());

  auto q = r.claim("QP1", 10, kSendFrom);
  REQUIRE(q.size() == 1);
  CHECK(q[0].kind == "QUICK");
  CHECK(q[0].protocol_no == "PROT0002");
  CHECK(q[0].debit_amount == 300);
  CHECK(sns.count(q[0].req_sn) == 0);

  // Busy: PENDING again with the same ReqSn and TxnNo, sent again after retry_at.
  const Instant retry = kSendFrom + 2s;
  auto tr = r.apply("B001", 1, kBusyFact, kSendFrom + 1s, retry);
  CHECK(tr.kind == Transition::Kind::kApply);
  CHECK(tr.state == ItemState::kPending);
  auto pending = r.item("B001", 1);
  CHECK(pending.state == "PENDING");
  CHECK(pending.req_sn == t.req_sn);
  CHECK(pending.txn_no == t.txn_no);
  CHECK(pending.next_at == to_unix_ms(retry));
  CHECK(pending.claim_node.empty());
  CHECK(r.claim("CB1", 10, retry - 1ms).empty());
  auto resend = r.claim("CB1", 10, retry, "node2");
  REQUIRE(resend.size() == 1);
  CHECK(resend[0].seq == 1);
  CHECK(resend[0].req_sn == t.req_sn);
  CHECK(resend[0].txn_no == t.txn_no);
  CHECK(r.item("B001", 1).claim_node == "node2");
}

TEST_CASE("claim_debits: never at or after the force-fail time, never from a closed batch") {
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"I1", a1, 100, ""}, {"I2", a1, 200, ""}});
  CHECK(r.claim("CB1", 10, kForceFail).empty());
  CHECK(r.claim("CB1", 10, kForceFail + 1h).empty());
  auto last = r.claim("CB1", 1, kForceFail - 1ms);
  REQUIRE(last.size() == 1);

  // A batch closed by the force-fail job: its items are final and never claimed again.
  REQUIRE(all_force_failed(r.s().batches().force_fail_due(kForceFail, "job:force-fail")));
  CHECK(r.claim("CB1", 10, kForceFail - 1ms).empty());
}

TEST_CASE("packed items: claims unpack ahead of what they take, earliest force-fail first; "
          "a force-fail unpacks the rest as 3002") {
  Rig r;
  const Holder a1 = r.sign(1);
  auto many = [&](const std::string& prefix, int n) {
    std::vector<Line> lines;
    for (int i = 1; i <= n; ++i) lines.push_back({prefix + std::to_string(i), a1, 100 + i, ""});
    return lines;
  };
  r.accept("B001", many("L", 2'500));  // three blocks
  batch::BatchCenter early = r.center;
  early.timing.return_deadline_minutes = 14 * 60;
  r.accept("B002", many("E", 1'200), &early);  // two blocks, force-fail 13:50
  CHECK(r.packed("B001") == 2'500);
  CHECK(r.packed("B002") == 1'200);
  CHECK(r.rows("batch_items") == 0);
  CHECK(r.summary("B001").total == 2'500);
  CHECK(r.summary("B001").open == 2'500);
  CHECK(r.summary("B001").total_amount == 2'500 * 100 + 2'500 * 2'501 / 2);

  CHECK(r.claim("CB1", 10, kSendFrom - 1ms).empty());  // nothing unpacked before send_from
  CHECK(r.rows("batch_items") == 0);

  auto first = r.claim("CB1", 10, kSendFrom);
  REQUIRE(first.size() == 10);
  for (size_t i = 0; i < first.size(); ++i) {
    CHECK(first[i].batch_no == "B002");
    CHECK(first[i].seq == static_cast<int64_t>(i) + 1);
  }
  CHECK(r.packed("B002") == 200);   // one block unpacked: at least what the claim may take
  CHECK(r.packed("B001") == 2'500);
  CHECK(r.items() == 3'700);        // every item once: in a row or in a block

  // The rest of B002 first, then B001 in seq order; every item once. A claim that finds as many
  // as it may take unpacks nothing; one that finds fewer unpacks four times what it may take.
  std::vector<DebitTask> more;
  for (int round = 0; round < 4; ++round) {
    auto got = r.claim("CB1", 400, kSendFrom);
    REQUIRE(got.size() == 400);
    more.insert(more.end(), got.begin(), got.end());
    if (round == 1) CHECK(r.packed("B002") == 200);  // 990 rows were enough for two claims
  }
  std::set<std::pair<std::string, int64_t>> seen;
  for (size_t i = 0; i < more.size(); ++i) {
    const bool b2 = i < 1'190;
    CHECK(more[i].batch_no == (b2 ? "B002" : "B001"));
    CHECK(more[i].seq == (b2 ? static_cast<int64_t>(i) + 11 : static_cast<int64_t>(i) - 1'189));
    seen.insert({more[i].batch_no, more[i].seq});
  }
  CHECK(seen.size() == 1'600);
  CHECK(r.packed("B002") == 0);
  CHECK(r.packed("B001") == 500);  // the third block
  CHECK(r.items() == 3'700);
  CHECK(r.item("B001", 410).state == "SENDING");
  CHECK(r.item("B001", 411).state == "PENDING");
  CHECK(r.item("B001", 2'001).state == "PENDING");  // packed

  // B001 has items never unpacked: the force-fail makes them rows, FAILED 3002.
  REQUIRE(all_force_failed(r.s().batches().force_fail_due(kForceFail, "job:force-fail")));
  CHECK(r.packed("B001") == 0);
  CHECK(r.rows("batch_items") == 3'700);
  CHECK(r.item("B001", 410).resp_code == "3001");
  CHECK(r.item("B001", 411).resp_code == "3002");
  CHECK(r.item("B001", 2'500).resp_code == "3002");
  CHECK(r.item("B001", 2'500).forced == 1);
  const auto b1 = r.summary("B001");
  CHECK(b1.open == 0);
  CHECK(b1.failed == 2'500);
  CHECK(b1.forced == 2'500);
  CHECK(b1.fail_amount == b1.total_amount);
  int64_t lines = 0;
  REQUIRE(r.s().batches().for_each_return_line("CC01", "B001", [&](const batch::ReturnRow& row) -> Status {
    CHECK(row.seq == ++lines);
    return ok_status();
  }).ok());
  CHECK(lines == 2'500);
}

// Without a single writer two claimers can read the same block (READ COMMITTED, several nodes):
// only the one whose delete takes the block's row writes its items.
TEST_CASE("packed items: two claimers that read one block unpack it once") {
  Rig r;
  const Holder a1 = r.sign(1);
  std::vector<Line> lines;
  for (int i = 1; i <= 1'200; ++i) lines.push_back({"L" + std::to_string(i), a1, 100 + i, ""});
  r.accept("B001", lines);  // two blocks
  auto c = r.s().pool().acquire();
  WriteTx tx(*c);
  REQUIRE(tx.begin().ok());
  BatchRowContext b;
  {
    auto q = c->prepare("SELECT center_id, batch_no, send_from_at, force_fail_at, received_at "
                        "FROM batches WHERE batch_no = 'B001'");
    REQUIRE(q.ok());
    REQUIRE(*q->step());
    b = BatchRowContext{q->text(0), q->text(1), q->integer(2), q->integer(3), q->integer(4)};
  }
  int64_t id = 0;
  std::string data;
  {
    auto q = c->prepare("SELECT id, data FROM batch_blocks WHERE batch_no = 'B001' ORDER BY first_seq LIMIT 1");
    REQUIRE(q.ok());
    REQUIRE(*q->step());
    id = q->integer(0);
    data = q->blob(1);
  }
  auto rows = ItemRowWriter::prepare(*c);
  REQUIRE(rows.ok());
  auto first = unpack_block(*c, *rows, b, id, data);
  REQUIRE_MESSAGE(first.ok(), first.error().to_string());
  CHECK(*first == std::optional<int64_t>(1'000));
  auto second = unpack_block(*c, *rows, b, id, data);  // the other claimer's read of the same block
  REQUIRE_MESSAGE(second.ok(), second.error().to_string());
  CHECK_FALSE(second->has_value());
  REQUIRE(tx.commit().ok());
  CHECK(r.rows("batch_items") == 1'000);
  CHECK(r.packed("B001") == 200);
  CHECK(r.items() == 1'200);
}

// --- apply_facts, queries, recovery ---------------------------------------------------------

TEST_CASE("apply_facts: one flush with items of two batches counts each final item once") {
  // open_items goes down once per batch and flush (docs/performance.md); a busy answer is not
  // final and a repeated answer is not counted twice.
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"I1", a1, 100, ""}, {"I2", a1, 200, ""}, {"I3", a1, 300, ""}});
  r.accept("B002", {{"J1", a1, 100, ""}, {"J2", a1, 200, ""}});
  REQUIRE(r.claim("CB1", 10, kSendFrom).size() == 5);
  using Fact = batch::BatchStore::Fact;
  auto key = [](const char* b, int64_t seq) { return batch::ItemKey{"CC01", b, seq}; };
  const Instant t = kSendFrom + 3s;
  std::vector<Fact> facts = {
      Fact{key("B001", 1), kSuccessFact, {}},
      Fact{key("B002", 1), fact(BankFact::Kind::kFailed, "1001"), {}},
      Fact{key("B001", 2), fact(BankFact::Kind::kBusy), t + 5s},
      Fact{key("B001", 1), kSuccessFact, {}},  // the same answer again
      Fact{key("B002", 2), kSuccessFact, {}},
      Fact{key("B001", 3), fact(BankFact::Kind::kFailed, "1001"), {}},
  };
  auto out = r.s().batches().apply_facts(facts, t, "test");
  REQUIRE_MESSAGE(out.ok(), out.error().to_string());
  REQUIRE(out->size() == facts.size());
  CHECK((*out)[3].kind == Transition::Kind::kNone);
  CHECK(r.open_items("B001") == 1);  // I2 is PENDING again
  CHECK(r.summary("B001").state == batch::BatchState::kOpen);
  CHECK(r.open_items("B002") == 0);
  CHECK(r.summary("B002").state == batch::BatchState::kClosed);
  CHECK(r.item("B001", 2).state == "PENDING");
  // The last one in a later flush closes B001.
  REQUIRE(r.claim("CB1", 10, t + 5s).size() == 1);
  CHECK(r.apply("B001", 2, kSuccessFact, t + 6s).state == ItemState::kSuccess);
  CHECK(r.open_items("B001") == 0);
  CHECK(r.summary("B001").state == batch::BatchState::kClosed);
}

TEST_CASE("apply_facts: success, the batch closes with its last item, audit rows") {
  Rig r;
  const Holder a1 = r.sign(1);
  batch::BatchCenter c = r.center;
  c.fee_collect.kind = "FIXED";
  c.fee_collect.fixed = 50;
  c.fee_collect.payer = "CARDHOLDER";
  r.accept("B001", {{"I1", a1, 100, ""}, {"I2", a1, 200, ""}, {"I3", a1, 0, ""}}, &c);
  CHECK(r.open_items("B001") == 2);
  auto tasks = r.claim("CB1", 10, kSendFrom);
  REQUIRE(tasks.size() == 2);

  const Instant t1 = kSendFrom + 3s;
  BankFact ok = kSuccessFact;
  ok.channel_txn_no = "CT100";
  ok.amount = 150;  // what we sent
  auto tr = r.apply("B001", 1, ok, t1);
  CHECK(tr.kind == Transition::Kind::kApply);
  CHECK(tr.state == ItemState::kSuccess);
  auto i1 = r.item("B001", 1);
  CHECK(i1.state == "SUCCESS");
  CHECK(i1.resp_code == "0000");
  CHECK(i1.channel_txn_no == "CT100");
  CHECK(i1.finished_at == to_unix_ms(t1));
  CHECK(i1.claim_node.empty());
  CHECK(r.open_items("B001") == 1);
  CHECK(r.summary("B001").state == batch::BatchState::kOpen);

  auto audit = r.s().audit().audit_of("batch_item", "CC01:B001:1");
  REQUIRE(audit.ok());
  REQUIRE(audit->size() == 1);
  CHECK(audit->back().old_state == "SENDING");
  CHECK(audit->back().new_state == "SUCCESS");
  CHECK(audit->back().actor == "test");
  CHECK(audit->back().at == t1);

  // The same answer again (a notification): nothing changes, nothing is counted twice.
  CHECK(r.apply("B001", 1, ok, t1 + 1s).kind == Transition::Kind::kNone);
  CHECK(r.open_items("B001") == 1);
  CHECK(r.s().audit().audit_of("batch_item", "CC01:B001:1")->size() == 1);

  const Instant t2 = kSendFrom + 4s;
  auto declined = r.apply("B001", 2, fact(BankFact::Kind::kFailed, "1001"), t2);
  CHECK(declined.state == ItemState::kFailed);
  auto i2 = r.item("B001", 2);
  CHECK(i2.state == "FAILED");
  CHECK(i2.resp_code == "1001");
  CHECK(r.open_items("B001") == 0);
  const auto b = r.summary("B001");
  CHECK(b.state == batch::BatchState::kClosed);
  CHECK(b.success == 1);
  CHECK(b.success_amount == 100);
  CHECK(b.failed == 2);
  CHECK(b.fail_amount == 200);
  CHECK(b.open == 0);
  CHECK(r.scalar("SELECT closed_at FROM batches WHERE batch_no = 'B001'") == to_unix_ms(t2));
  auto due = r.s().batches().returns_due();
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK(due->front().batch_no == "B001");

  // A decline of the success: not applied, an exception for staff.
  auto contra = r.apply("B001", 1, fact(BankFact::Kind::kFailed, "1001"), t2);
  CHECK(contra.kind == Transition::Kind::kException);
  CHECK(r.item("B001", 1).state == "SUCCESS");
  CHECK(r.rows("exceptions") == 1);
  // A fact about an item that does not exist changes nothing.
  CHECK(r.apply("B001", 99, kSuccessFact, t2).kind == Transition::Kind::kNone);
}

TEST_CASE("apply_facts: an amount that differs from what we sent is an exception") {
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"I1", a1, 100, ""}});
  REQUIRE(r.claim("CB1", 10, kSendFrom).size() == 1);
  BankFact f = kSuccessFact;
  f.amount = 101;
  auto tr = r.apply("B001", 1, f, kSendFrom + 1s);
  CHECK(tr.kind == Transition::Kind::kException);
  // Not accepted, not resent: unknown until staff look, queried like any unknown item.
  CHECK(r.item("B001", 1).state == "UNKNOWN");
  CHECK(r.rows("exceptions") == 1);
  CHECK(r.scalar("SELECT COUNT(*) FROM exceptions WHERE ref = 'CC01:B001:1' AND "
                 "kind = 'BANK_CONTRADICTS'") == 1);
}

// Bug: every query of an UNKNOWN (or forced, unresolved) item whose bank amount differs from ours
// added another exception row, and the item was queried again each time the 30 s lease ended.
TEST_CASE("apply_facts: a repeated amount mismatch is one exception, queried on the backoff") {
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"I1", a1, 100, ""}});
  REQUIRE(r.claim("CB1", 10, kSendFrom).size() == 1);
  r.apply("B001", 1, kUnknownFact, kSendFrom + 1s, kSendFrom + 2s);
  BankFact f = kSuccessFact;
  f.amount = 999;
  Instant now = kSendFrom + 2s;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(r.claim_queries("CB1", 10, now).size() == 1);
    const Instant next_query = now + 2min;
    CHECK(r.apply("B001", 1, f, now + 1s, next_query).kind == Transition::Kind::kException);
    CHECK(r.item("B001", 1).next_at == to_unix_ms(next_query));
    CHECK(r.claim_queries("CB1", 10, next_query - 1ms).empty());
    now = next_query;
  }
  CHECK(r.rows("exceptions") == 1);
  CHECK(r.item("B001", 1).state == "UNKNOWN");
  // Staff closed it; the same discrepancy seen again opens a new one.
  REQUIRE(r.s().pool().acquire()->exec("UPDATE exceptions SET state = 'CLOSED'").ok());
  r.apply("B001", 1, f, now, now + 2min);
  CHECK(r.rows("exceptions") == 2);
}

// The same exception raised by another writer between this one's NOT EXISTS and its insert
// (READ COMMITTED, no single writer; issue 17): replayed by a trigger that stores it just before
// the insert. The open one's unique key keeps the second out, and the facts still apply.
TEST_CASE("apply_facts: an exception another writer raised meanwhile is not raised twice") {
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"I1", a1, 100, ""}});
  REQUIRE(r.claim("CB1", 10, kSendFrom).size() == 1);
  REQUIRE(r.s().pool().acquire()->exec(
      "CREATE TABLE raced(done INTEGER);"
      "CREATE TRIGGER other_writer BEFORE INSERT ON exceptions WHEN NOT EXISTS (SELECT 1 FROM raced) "
      "BEGIN INSERT INTO raced VALUES (1); "
      "INSERT INTO exceptions(kind, center_id, channel_id, ref, detail, created_at) VALUES "
      "(NEW.kind, NEW.center_id, NEW.channel_id, NEW.ref, NEW.detail, NEW.created_at); END").ok());
  BankFact f = kSuccessFact;
  f.amount = 101;
  CHECK(r.apply("B001", 1, f, kSendFrom + 1s).kind == Transition::Kind::kException);
  CHECK(r.item("B001", 1).state == "UNKNOWN");
  CHECK(r.rows("exceptions") == 1);
}

TEST_CASE("apply_facts: unknown -> UNKNOWN, queried under a lease, NOT_FOUND -> PENDING") {
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"I1", a1, 100, ""}, {"I2", a1, 200, ""}});
  auto tasks = r.claim("CB1", 10, kSendFrom);
  REQUIRE(tasks.size() == 2);
  const std::string req_sn = tasks[0].req_sn;

  const Instant query_at = kSendFrom + 5s;
  auto tr = r.apply("B001", 1, kUnknownFact, kSendFrom + 1s, query_at);
  CHECK(tr.state == ItemState::kUnknown);
  auto u = r.item("B001", 1);
  CHECK(u.state == "UNKNOWN");
  CHECK(u.next_at == to_unix_ms(query_at));
  CHECK_FALSE(u.finished_at.has_value());
  CHECK(r.open_items("B001") == 2);
  // Unknown is never resent.
  CHECK(r.claim("CB1", 10, query_at + 1h).empty());

  CHECK(r.claim_queries("CB1", 10, query_at - 1ms).empty());  // not due yet
  auto q = r.claim_queries("CB1", 10, query_at);
  REQUIRE(q.size() == 1);
  CHECK(q[0].seq == 1);
  CHECK(q[0].req_sn == req_sn);
  CHECK(q[0].query_count == 0);
  CHECK(r.claim_queries("CB1", 10, query_at).empty());  // leased
  CHECK(r.claim_queries("CB1", 10, query_at + 29s).empty());
  CHECK(r.item("B001", 1).query_count == 1);
  CHECK(r.item("B001", 1).next_at == to_unix_ms(query_at + 30s));
  // The lease ran out (the answer was lost): queried again, the count goes on.
  auto again = r.claim_queries("CB1", 10, query_at + 30s);
  REQUIRE(again.size() == 1);
  CHECK(again[0].query_count == 1);
  CHECK(r.item("B001", 1).query_count == 2);

  // Still processing: queried later.
  const Instant later = query_at + 1min;
  CHECK(r.apply("B001", 1, kUnknownFact, query_at + 31s, later).kind == Transition::Kind::kNone);
  CHECK(r.item("B001", 1).next_at == to_unix_ms(later));
  CHECK(r.item("B001", 1).state == "UNKNOWN");

  // NOT_FOUND before the force-fail time: PENDING, the same ReqSn is sent again.
  const Instant nf_at = later + 1s;
  auto nf = r.apply("B001", 1, kNotFoundFact, nf_at, nf_at);
  CHECK(nf.state == ItemState::kPending);
  auto p = r.item("B001", 1);
  CHECK(p.state == "PENDING");
  CHECK(p.req_sn == req_sn);
  auto resend = r.claim("CB1", 10, nf_at);
  REQUIRE(resend.size() == 1);
  CHECK(resend[0].req_sn == req_sn);
  CHECK(resend[0].txn_no == tasks[0].txn_no);
}

TEST_CASE("apply_facts: NOT_FOUND after the force-fail time is not resent") {
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"I1", a1, 100, ""}});
  REQUIRE(r.claim("CB1", 10, kSendFrom).size() == 1);
  r.apply("B001", 1, kUnknownFact, kSendFrom + 1s, kSendFrom + 2s);
  // The force-fail job has not run yet, but the time has come: forced 3001, never sent again.
  auto tr = r.apply("B001", 1, kNotFoundFact, kForceFail, kForceFail);
  CHECK(tr.kind == Transition::Kind::kLate);
  CHECK(tr.late_state == LateState::kNotDebited);
  auto it = r.item("B001", 1);
  CHECK(it.state == "FAILED");
  CHECK(it.resp_code == "3001");
  CHECK(it.finished_at == to_unix_ms(kForceFail));
  CHECK(r.claim("CB1", 10, kForceFail - 1ms).empty());
}

// Bug: a fact that came after the force-fail time but before the force-fail job ran (it runs
// every half second, and not at all while the process is down) was applied as if in time: a
// success became S in the return file, with a finishTime after the force-fail time.
TEST_CASE("apply_facts: an answer after the force-fail time, before the job ran, is late") {
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"I1", a1, 100, ""}, {"I2", a1, 200, ""}, {"I3", a1, 300, ""}});
  REQUIRE(r.claim("CB1", 2, kSendFrom).size() == 2);  // item 3 is never sent
  r.apply("B001", 2, kUnknownFact, kSendFrom + 1s, kSendFrom + 2s);
  const Instant after = kForceFail + 3h;  // e.g. a notification when we are back up
  auto tr = r.apply("B001", 1, kSuccessFact, after);
  CHECK(tr.kind == Transition::Kind::kLate);
  CHECK(tr.late_state == LateState::kDebited);
  auto i1 = r.item("B001", 1);
  CHECK(i1.state == "FAILED");
  CHECK(i1.resp_code == "3001");
  CHECK(i1.finished_at == to_unix_ms(kForceFail));
  CHECK(r.scalar("SELECT COUNT(*) FROM refund_proposals") == 1);
  // The whole batch was force-failed with it, as the job would have done.
  CHECK(r.item("B001", 2).resp_code == "3001");
  CHECK(r.item("B001", 2).late_state == "UNRESOLVED");
  CHECK(r.item("B001", 3).resp_code == "3002");
  CHECK(r.summary("B001").state == batch::BatchState::kClosed);
  CHECK(r.open_items("B001") == 0);
  auto audit = r.s().audit().audit_of("batch", "CC01:B001");
  REQUIRE(audit.ok());
  CHECK(audit->back().new_state == "CLOSED");
  CHECK(r.s().batches().force_fail_due(after, "job:force-fail")->closed.empty());  // nothing left for the job

  // A millisecond before the force-fail time, the same answer is in time.
  Rig r2;
  const Holder b1 = r2.sign(1);
  r2.accept("B001", {{"I1", b1, 100, ""}});
  REQUIRE(r2.claim("CB1", 1, kSendFrom).size() == 1);
  CHECK(r2.apply("B001", 1, kSuccessFact, kForceFail - 1ms).state == ItemState::kSuccess);
  CHECK(r2.summary("B001").state == batch::BatchState::kClosed);
}

TEST_CASE("apply_facts: many facts in one call, each with its own transition") {
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"I1", a1, 100, ""}, {"I2", a1, 200, ""}, {"I3", a1, 300, ""}});
  REQUIRE(r.claim("CB1", 10, kSendFrom).size() == 3);
  std::vector<batch::BatchStore::Fact> facts = {
      {{"CC01", "B001", 1}, kSuccessFact, {}},
      {{"CC01", "B001", 2}, kUnknownFact, kSendFrom + 9s},
      {{"CC01", "B001", 3}, kBusyFact, kSendFrom + 2s},
      {{"CC01", "B001", 1}, kSuccessFact, {}},  // repeated in the same group
  };
  auto out = r.s().batches().apply_facts(facts, kSendFrom + 1s, "job:pipeline:node1");
  REQUIRE(out.ok());
  REQUIRE(out->size() == 4);
  CHECK((*out)[0].state == ItemState::kSuccess);
  CHECK((*out)[1].state == ItemState::kUnknown);
  CHECK((*out)[2].state == ItemState::kPending);
  CHECK((*out)[3].kind == Transition::Kind::kNone);
  CHECK(r.open_items("B001") == 2);
}

TEST_CASE("recover_claims: this node's SENDING items become UNKNOWN, others are untouched") {
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"I1", a1, 100, ""}, {"I2", a1, 200, ""}, {"I3", a1, 300, ""}});
  REQUIRE(r.claim("CB1", 2, kSendFrom, "nodeA").size() == 2);
  REQUIRE(r.claim("CB1", 1, kSendFrom, "nodeB").size() == 1);
  const Instant restart = kSendFrom + 1min;
  auto n = r.s().batches().recover_claims("nodeA", restart);
  REQUIRE(n.ok());
  CHECK(*n == 2);
  for (int64_t seq : {1, 2}) {
    auto it = r.item("B001", seq);
    CHECK(it.state == "UNKNOWN");
    CHECK(it.next_at == to_unix_ms(restart));
    CHECK(it.claim_node.empty());
    auto audit = r.s().audit().audit_of("batch_item", "CC01:B001:" + std::to_string(seq));
    REQUIRE(audit->size() == 1);
    CHECK(audit->front().new_state == "UNKNOWN");
  }
  CHECK(r.item("B001", 3).state == "SENDING");
  CHECK(r.item("B001", 3).claim_node == "nodeB");
  CHECK(r.s().batches().recover_claims("nodeA", restart).value() == 0);
  // Queried before anything is sent again.
  CHECK(r.claim("CB1", 10, restart).empty());
  CHECK(r.claim_queries("CB1", 10, restart).size() == 2);
}

// --- force-fail and late answers ------------------------------------------------------------

struct ForcedBatch {
  Rig r;
  std::vector<DebitTask> cb;
  ForcedBatch() {
    const Holder collect = r.sign(1);
    const Holder quick = r.sign(2, signing::kQuick);
    batch::BatchCenter c = r.center;
    c.fee_collect.kind = "FIXED";
    c.fee_collect.fixed = 200;
    c.fee_collect.payer = "CARDHOLDER";
    r.accept("B001", {{"I1", collect, 10'000, ""},   // 1 SUCCESS
                      {"I2", collect, 20'000, ""},   // 2 SENDING at the force-fail time
                      {"I3", collect, 30'000, ""},   // 3 UNKNOWN
                      {"I4", quick, 40'000, ""},     // 4 never sent (QP1 never claimed)
                      {"I5", collect, 50'000, ""},   // 5 sent, busy: PENDING with a ReqSn
                      {"I6", collect, 60'000, ""},   // 6 declined
                      {"I7", collect, 0, ""}},       // 7 rejected 2005
             &c);
    cb = r.claim("CB1", 10, kSendFrom);
    REQUIRE(cb.size() == 5);
    r.apply("B001", 1, kSuccessFact, kSendFrom + 1s);
    r.apply("B001", 3, kUnknownFact, kSendFrom + 1s, kSendFrom + 2s);
    r.apply("B001", 5, kBusyFact, kSendFrom + 1s, kForceFail + 1h);  // next try too late
    r.apply("B001", 6, fact(BankFact::Kind::kFailed, "1001"), kSendFrom + 1s);
  }
  const DebitTask& task(int64_t seq) const {
    for (const auto& t : cb) {
      if (t.seq == seq) return t;
    }
    FAIL("no task");
    return cb.front();
  }
};

TEST_CASE("force_fail_due: a batch that fails is rolled back alone; the others close on time") {
  Rig r;
  const Holder h = r.sign(1);
  r.accept("B001", {{"I1", h, 10'000, ""}});
  r.accept("B002", {{"J1", h, 20'000, ""}});
  // An injected failure for B001 alone (its batch row refuses to change).
  {
    auto c = r.s().pool().acquire();
    REQUIRE(c->exec("CREATE TRIGGER fail_b001 BEFORE UPDATE ON batches WHEN OLD.batch_no = 'B001' "
                    "BEGIN SELECT RAISE(ABORT, 'injected'); END").ok());
  }
  auto round = r.s().batches().force_fail_due(kForceFail, "job:force-fail");
  REQUIRE(round.ok());
  for (const auto& [k, e] : round->failed) MESSAGE(k.batch_no << ": " << e.to_string());
  REQUIRE(round->closed.size() == 1);
  CHECK(round->closed[0].batch_no == "B002");
  REQUIRE(round->failed.size() == 1);
  CHECK(round->failed[0].first.batch_no == "B001");
  CHECK(round->failed[0].second.to_string().find("injected") != std::string::npos);
  CHECK(r.scalar("SELECT state = 'OPEN' FROM batches WHERE batch_no = 'B001'") == 1);
  CHECK(r.scalar("SELECT COUNT(*) FROM batch_items WHERE batch_no = 'B001' AND forced = 1") == 0);
  // The next round, the failure gone: B001 closes too.
  {
    auto c = r.s().pool().acquire();
    REQUIRE(c->exec("DROP TRIGGER fail_b001").ok());
  }
  auto next = r.s().batches().force_fail_due(kForceFail + 1min, "job:force-fail");
  REQUIRE(next.ok());
  REQUIRE(next->closed.size() == 1);
  CHECK(next->closed[0].batch_no == "B001");
}

// A force-fail unpacks a batch's blocks a round at a time (16 blocks). Without a single writer, a
// claimer may unpack (and delete) every block of a round between the force-fail's read and its
// deletes: that round unpacks nothing here, and the blocks after it must still be unpacked, or
// their items would stay packed in a CLOSED batch — never force-failed, missing from the return
// file. The other claimer is a trigger that deletes the first 16 blocks under the force-fail's
// own deletes (those items are the other claimer's to write; only the 17th block is this one's).
TEST_CASE("force_fail_due: a round of blocks another claimer took does not end the unpacking") {
  Rig r;
  const Holder a1 = r.sign(1);
  std::vector<Line> lines;
  for (int i = 1; i <= 16'001; ++i) lines.push_back({"L" + std::to_string(i), a1, 100, ""});
  r.accept("B001", lines);  // 17 blocks: 16 full ones and one of a single item
  CHECK(r.packed("B001") == 16'001);
  REQUIRE(r.s().pool().acquire()->exec(
      "CREATE TRIGGER other_claimer BEFORE DELETE ON batch_blocks WHEN OLD.first_seq <= 16000 "
      "BEGIN DELETE FROM batch_blocks WHERE id = OLD.id; SELECT RAISE(IGNORE); END").ok());
  REQUIRE(all_force_failed(r.s().batches().force_fail_due(kForceFail, "job:force-fail")));
  CHECK(r.packed("B001") == 0);
  CHECK(r.item("B001", 16'001).state == "FAILED");
  CHECK(r.item("B001", 16'001).resp_code == "3002");
  CHECK(r.summary("B001").state == batch::BatchState::kClosed);
}

TEST_CASE("force_fail_due: 3002 never sent, 3001 sent; finished at the force-fail time") {
  ForcedBatch fb;
  Rig& r = fb.r;
  CHECK(r.s().batches().force_fail_due(kForceFail - 1ms, "job:force-fail")->closed.empty());  // not yet

  const Instant job_at = kForceFail + 20s;  // the job runs a little late
  auto closed = r.s().batches().force_fail_due(job_at, "job:force-fail");
  REQUIRE(closed.ok());
  REQUIRE(closed->closed.size() == 1);
  CHECK(closed->closed.front().batch_no == "B001");
  CHECK(closed->failed.empty());

  auto i1 = r.item("B001", 1);
  CHECK(i1.state == "SUCCESS");
  CHECK(i1.forced == 0);
  for (int64_t seq : {2, 3}) {
    CAPTURE(seq);
    auto it = r.item("B001", seq);
    CHECK(it.state == "FAILED");
    CHECK(it.resp_code == "3001");
    CHECK(it.forced == 1);
    CHECK(it.late_state == "UNRESOLVED");
    CHECK(it.finished_at == to_unix_ms(kForceFail));
    CHECK(it.claim_node.empty());
  }
  for (int64_t seq : {4, 5}) {
    CAPTURE(seq);
    auto it = r.item("B001", seq);
    CHECK(it.state == "FAILED");
    CHECK(it.resp_code == "3002");
    CHECK(it.forced == 1);
    CHECK(it.late_state.empty());
    CHECK(it.finished_at == to_unix_ms(kForceFail));
  }
  CHECK(r.item("B001", 4).txn_no.empty());
  CHECK(r.item("B001", 5).txn_no == fb.task(5).txn_no);
  CHECK(r.item("B001", 6).resp_code == "1001");
  CHECK(r.item("B001", 6).forced == 0);
  CHECK(r.item("B001", 7).state == "REJECTED");

  auto b = r.summary("B001");
  CHECK(b.state == batch::BatchState::kClosed);
  CHECK(b.forced == 4);
  CHECK(b.open == 0);
  CHECK(b.success == 1);
  CHECK(b.failed == 6);
  CHECK(r.open_items("B001") == 0);
  auto audit2 = r.s().audit().audit_of("batch_item", "CC01:B001:2");
  REQUIRE(audit2.ok());
  CHECK(audit2->back().old_state == "SENDING");
  CHECK(audit2->back().new_state == "FAILED");
  CHECK(audit2->back().actor == "job:force-fail");

  // Twice changes nothing.
  const int64_t audit_rows = r.rows("audit");
  const int64_t v2 = r.item("B001", 2).version;
  auto again = r.s().batches().force_fail_due(job_at + 1min, "job:force-fail");
  REQUIRE(again.ok());
  CHECK(again->closed.empty());
  CHECK(r.rows("audit") == audit_rows);
  CHECK(r.item("B001", 2).version == v2);

  // Sent items are still resolved by QUERY; never-sent ones are not queried.
  auto q = r.claim_queries("CB1", 10, job_at);
  std::set<int64_t> seqs;
  for (const auto& t : q) seqs.insert(t.seq);
  CHECK(seqs == std::set<int64_t>{2, 3});
  // And nothing is ever sent again.
  CHECK(r.claim("CB1", 10, job_at).empty());
  CHECK(r.claim("QP1", 10, job_at).empty());
}

TEST_CASE("after force-fail: a late success is refunded once, the item stays FAILED 3001") {
  ForcedBatch fb;
  Rig& r = fb.r;
  REQUIRE(all_force_failed(r.s().batches().force_fail_due(kForceFail, "job:force-fail")));
  const Instant late = kForceFail + 5min;

  BankFact ok = kSuccessFact;
  ok.channel_txn_no = "CTLATE";
  ok.amount = 20'200;  // 20'000 + the cardholder's fee 200: what we sent
  auto tr = r.apply("B001", 2, ok, late);
  CHECK(tr.kind == Transition::Kind::kLate);
  CHECK(tr.late_state == LateState::kDebited);
  auto again = r.apply("B001", 2, ok, late + 1min);  // the notification after the answer
  CHECK(again.kind == Transition::Kind::kNone);

  auto it = r.item("B001", 2);
  CHECK(it.state == "FAILED");
  CHECK(it.resp_code == "3001");
  CHECK(it.late_state == "DEBITED");
  CHECK(it.channel_txn_no == "CTLATE");
  CHECK(it.finished_at == to_unix_ms(kForceFail));

  CHECK(r.scalar("SELECT COUNT(*) FROM refund_proposals") == 1);
  CHECK(r.scalar("SELECT COUNT(*) FROM refund_proposals WHERE reason = 'LATE_SUCCESS' AND "
                 "state = 'PENDING_REVIEW' AND txn_no = '" + fb.task(2).txn_no + "' AND "
                 "amount = 20000 AND fee = 200 AND debit_amount = 20200 AND source = 'B' AND "
                 "batch_no = 'B001' AND orig_req_sn = '" + fb.task(2).req_sn + "'") == 1);
  // No longer queried.
  for (const auto& t : r.claim_queries("CB1", 10, late + 1h)) CHECK(t.seq != 2);

  // The return file never changes: still FAILED 3001 for the card center.
  auto b = r.summary("B001");
  CHECK(b.success == 1);
  CHECK(b.state == batch::BatchState::kClosed);

  // Another forced item: declined late -> NOT_DEBITED; then a success is an exception.
  auto nd = r.apply("B001", 3, fact(BankFact::Kind::kFailed, "1001"), late);
  CHECK(nd.kind == Transition::Kind::kLate);
  CHECK(r.item("B001", 3).late_state == "NOT_DEBITED");
  CHECK(r.item("B001", 3).resp_code == "3001");
  auto contra = r.apply("B001", 3, kSuccessFact, late + 1s);
  CHECK(contra.kind == Transition::Kind::kException);
  CHECK(r.item("B001", 3).late_state == "NOT_DEBITED");
  CHECK(r.rows("exceptions") == 1);
  CHECK(r.scalar("SELECT COUNT(*) FROM refund_proposals") == 1);
}

// Bug: item 5 was sent (busy: not registered) and force-failed 3002 with no late_state. Should
// the bank debit it after all, the success used to be dropped without a refund or an exception.
TEST_CASE("after force-fail: a success for a 3002 item that had been sent is refunded") {
  ForcedBatch fb;
  Rig& r = fb.r;
  REQUIRE(all_force_failed(r.s().batches().force_fail_due(kForceFail, "job:force-fail")));
  auto key = r.s().batches().item_by_req_sn("CB1", fb.task(5).req_sn);
  REQUIRE(key.ok());
  REQUIRE(key->has_value());
  CHECK((*key)->seq == 5);
  auto tr = r.apply("B001", 5, kSuccessFact, kForceFail + 1min);
  CHECK(tr.kind == Transition::Kind::kLate);
  CHECK(tr.late_state == LateState::kDebited);
  auto it = r.item("B001", 5);
  CHECK(it.state == "FAILED");
  CHECK(it.resp_code == "3002");
  CHECK(it.late_state == "DEBITED");
  CHECK(r.scalar("SELECT COUNT(*) FROM refund_proposals WHERE txn_no = '" + fb.task(5).txn_no +
                 "' AND debit_amount = 50200") == 1);
}

// files.md: 3002 ("never sent") only when no DEBIT of the item can have been executed. An item
// whose send had an unknown outcome and whose QUERY then said NOT_FOUND is PENDING again, but
// the first request may still land: 3001, resolved by QUERY after the force-fail time. One only
// ever answered "not registered" (9001, 429, 4001) is 3002.
TEST_CASE("force_fail_due: an item back to PENDING after an unknown send is 3001; busy only is 3002") {
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"I1", a1, 100, ""}, {"I2", a1, 200, ""}, {"I3", a1, 300, ""}});
  auto tasks = r.claim("CB1", 10, kSendFrom);
  REQUIRE(tasks.size() == 3);
  // 2: busy twice (9001, then 4001 read the same way): never registered.
  r.apply("B001", 2, kBusyFact, kSendFrom + 1s, kSendFrom + 2s);
  // 1: unknown, QUERY NOT_FOUND -> PENDING; resent, answered busy -> PENDING.
  r.apply("B001", 1, kUnknownFact, kSendFrom + 1s, kSendFrom + 2s);
  auto again2 = r.claim("CB1", 10, kSendFrom + 2s);
  REQUIRE(again2.size() == 1);
  CHECK(again2[0].seq == 2);
  r.apply("B001", 2, kBusyFact, kSendFrom + 3s, kForceFail + 1h);
  CHECK(r.apply("B001", 1, kNotFoundFact, kSendFrom + 3s, kSendFrom + 3s).state == ItemState::kPending);
  auto again1 = r.claim("CB1", 10, kSendFrom + 3s);
  REQUIRE(again1.size() == 1);
  CHECK(again1[0].seq == 1);
  r.apply("B001", 1, kBusyFact, kSendFrom + 4s, kForceFail + 1h);
  // 3: a crash while SENDING (recovery makes it UNKNOWN), then NOT_FOUND.
  REQUIRE(r.s().batches().recover_claims("node1", kSendFrom + 5s).value() == 1);
  CHECK(r.apply("B001", 3, kNotFoundFact, kSendFrom + 6s, kForceFail + 1h).state == ItemState::kPending);
  for (int64_t seq : {1, 2, 3}) CHECK(r.item("B001", seq).state == "PENDING");

  REQUIRE(r.s().batches().force_fail_due(kForceFail, "job:force-fail").ok());
  for (int64_t seq : {1, 3}) {
    CAPTURE(seq);
    auto it = r.item("B001", seq);
    CHECK(it.state == "FAILED");
    CHECK(it.resp_code == "3001");
    CHECK(it.late_state == "UNRESOLVED");
  }
  auto two = r.item("B001", 2);
  CHECK(two.resp_code == "3002");
  CHECK(two.late_state.empty());
  // The 3001 ones are queried afterwards; a NOT_FOUND then settles them as not debited.
  std::set<int64_t> queried;
  for (const auto& t : r.claim_queries("CB1", 10, kForceFail + 1s)) queried.insert(t.seq);
  CHECK(queried == std::set<int64_t>{1, 3});
  auto nd = r.apply("B001", 1, kNotFoundFact, kForceFail + 2s);
  CHECK(nd.kind == Transition::Kind::kLate);
  CHECK(r.item("B001", 1).late_state == "NOT_DEBITED");
}

// channel-api.md: ReqSn is unique per channel across all TxCodes, and a QUERY has a fresh one.
// The QUERY's used to be "Q<query_count><DEBIT's ReqSn>", and query_count restarts when the item
// goes back to PENDING: the same QUERY ReqSn went out twice.
TEST_CASE("claim_queries: every QUERY has a fresh ReqSn, also after the item went back to PENDING twice") {
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"I1", a1, 100, ""}, {"I2", a1, 200, ""}});
  std::vector<std::string> sent;  // every ReqSn sent, DEBIT and QUERY
  Instant now = kSendFrom;
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    auto d = r.claim("CB1", 10, now);
    REQUIRE(d.size() == 2);
    for (const auto& t : d) {
      if (round == 0) sent.push_back(t.req_sn);
      r.apply("B001", t.seq, kUnknownFact, now + 1s, now + 2s);
    }
    now += 2s;
    for (int q = 0; q < 2; ++q) {  // two QUERYs each: still processing, then NOT_FOUND
      auto qs = r.claim_queries("CB1", 10, now);
      REQUIRE(qs.size() == 2);
      for (const auto& t : qs) {
        CHECK(t.query_req_sn != t.req_sn);
        sent.push_back(t.query_req_sn);
        r.apply("B001", t.seq, q == 0 ? kUnknownFact : kNotFoundFact, now + 1s, now + 2s);
      }
      now += 2s;
    }
  }
  std::set<std::string> distinct(sent.begin(), sent.end());
  CHECK(sent.size() == 2 + 3 * 2 * 2);
  CHECK(distinct.size() == sent.size());
  for (const auto& sn : sent) {
    CAPTURE(sn);
    CHECK(is_identifier(sn));  // common.md: [0-9A-Za-z_-]{1,32}
  }
  // The same sequence as every other ReqSn: a signing call's is new too.
  auto sign_sn = r.s().signing().next_req_sn();
  REQUIRE(sign_sn.ok());
  CHECK(distinct.count(*sign_sn) == 0);
}

// center-api.md: a revoked agreement can no longer be used — not even for a batch accepted while
// it was active. claim_debits used to read the agreement without its state and debit it.
TEST_CASE("claim_debits: an item whose agreement was revoked after acceptance fails 2001, never sent") {
  Rig r;
  const Holder kept = r.sign(1);
  const Holder gone = r.sign(2);
  const Holder later = r.sign(3);
  r.accept("B001", {{"I1", kept, 100, ""}, {"I2", gone, 200, ""}, {"I3", later, 300, ""}});
  // 3 is sent once with an unknown outcome, then NOT_FOUND: PENDING, it may still be debited.
  auto first = r.claim("CB1", 1, kSendFrom);
  REQUIRE(first.size() == 1);
  REQUIRE(first[0].seq == 1);
  r.apply("B001", 1, kBusyFact, kSendFrom + 1s, kSendFrom + 1s);
  r.revoke(gone);
  auto tasks = r.claim("CB1", 10, kSendFrom + 1s);
  std::set<int64_t> seqs;
  for (const auto& t : tasks) seqs.insert(t.seq);
  CHECK(seqs == std::set<int64_t>{1, 3});
  auto it = r.item("B001", 2);
  CHECK(it.state == "FAILED");
  CHECK(it.resp_code == "2001");
  CHECK(it.txn_no.empty());
  CHECK(it.req_sn.empty());
  CHECK(it.forced == 0);
  CHECK(it.finished_at == to_unix_ms(kSendFrom + 1s));
  CHECK(r.open_items("B001") == 2);
  auto audit = r.s().audit().audit_of("batch_item", "CC01:B001:2");
  REQUIRE(audit.ok());
  CHECK(audit->back().new_state == "FAILED");

  // 3: unknown, NOT_FOUND, then its agreement is revoked: not sent again, and not 2001 either
  // (the first request may still land): it waits for the force-fail time, 3001, then QUERY.
  r.apply("B001", 3, kUnknownFact, kSendFrom + 2s, kSendFrom + 3s);
  r.apply("B001", 3, kNotFoundFact, kSendFrom + 4s, kSendFrom + 4s);
  r.revoke(later);
  r.apply("B001", 1, kSuccessFact, kSendFrom + 4s);
  CHECK(r.claim("CB1", 10, kSendFrom + 5s).empty());
  CHECK(r.item("B001", 3).state == "PENDING");
  CHECK(r.claim("CB1", 10, kForceFail - 1s).empty());
  REQUIRE(r.s().batches().force_fail_due(kForceFail, "job:force-fail").ok());
  CHECK(r.item("B001", 3).resp_code == "3001");
  CHECK(r.item("B001", 3).late_state == "UNRESOLVED");

  // The return lines: F 2001 with no txnNo for the item never sent.
  std::map<int64_t, batch::ReturnRow> lines;
  REQUIRE(r.s().batches().for_each_return_line("CC01", "B001", [&](const batch::ReturnRow& row) {
    lines[row.seq] = row;
    return ok_status();
  }).ok());
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].state == ItemState::kSuccess);
  CHECK(lines[2].state == ItemState::kFailed);
  CHECK(lines[2].resp_code == "2001");
  CHECK(lines[2].txn_no.empty());
  CHECK(lines[3].resp_code == "3001");
}

// The last item of a batch failed 2001 at claim time closes it: its return file is due.
TEST_CASE("claim_debits: a batch whose every agreement was revoked closes at the claim") {
  Rig r;
  const Holder gone = r.sign(1);
  r.accept("B001", {{"I1", gone, 100, ""}, {"I2", gone, 200, ""}});
  r.revoke(gone);
  CHECK(r.claim("CB1", 10, kSendFrom).empty());
  CHECK(r.summary("B001").state == batch::BatchState::kClosed);
  CHECK(r.open_items("B001") == 0);
  auto due = r.s().batches().returns_due();
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK(due->front().batch_no == "B001");
}

// --- return files ---------------------------------------------------------------------------

TEST_CASE("write_return_file: header figures, one line per item in seq order, S and F fields") {
  ForcedBatch fb;
  Rig& r = fb.r;
  REQUIRE(all_force_failed(r.s().batches().force_fail_due(kForceFail, "job:force-fail")));
  // A late success does not change what the card center sees.
  r.apply("B001", 2, kSuccessFact, kForceFail + 1min);

  auto due = r.s().batches().returns_due();
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  const batch::BatchSummary& b = due->front();
  const std::string path = r.dir.path + "/RET.txt";
  auto w = batch::write_return_file(r.s().batches(), b, path);
  REQUIRE_MESSAGE(w.ok(), w.error().to_string());
  const std::string bytes = file_bytes(path);
  CHECK(w->size == bytes.size());
  auto lines = split_lines(bytes);
  REQUIRE(lines.size() == 8);
  // Sums of principal: all 210'000; success 10'000; failed the rest.
  CHECK(lines[0] == "H|CC01|B001|20261121|00|7|210000|1|10000|6|200000");

  const std::string ff = format_cst_timestamp(kForceFail);
  const std::string t1 = format_cst_timestamp(kSendFrom + 1s);
  const std::string received = format_cst_timestamp(kReceived);
  auto d = [&](size_t i) { return split_fields(lines[i]); };
  // D|seq|itemId|amount|fee|debitAmount|status|respCode|respMsg|txnNo|finishTime
  CHECK(d(1) == std::vector<std::string>{"D", "1", "I1", "10000", "200", "10200", "S", "0000",
                                         "success", fb.task(1).txn_no, t1});
  CHECK(d(2) == std::vector<std::string>{"D", "2", "I2", "20000", "0", "0", "F", "3001",
                                         std::string(codes::message("3001")), fb.task(2).txn_no, ff});
  CHECK(d(3)[6] == "F");
  CHECK(d(3)[7] == "3001");
  CHECK(d(4) == std::vector<std::string>{"D", "4", "I4", "40000", "0", "0", "F", "3002",
                                         std::string(codes::message("3002")), "", ff});
  CHECK(d(5)[7] == "3002");
  CHECK(d(5)[9] == fb.task(5).txn_no);
  CHECK(d(6) == std::vector<std::string>{"D", "6", "I6", "60000", "0", "0", "F", "1001",
                                         "insufficient funds", fb.task(6).txn_no, t1});
  CHECK(d(7) == std::vector<std::string>{"D", "7", "I7", "0", "0", "0", "F", "2005",
                                         "invalid amount", "", received});
  for (size_t i = 1; i < lines.size(); ++i) {
    CHECK(d(i).size() == 11);
    CHECK(d(i)[1] == std::to_string(i));
  }

  // Rebuilt, byte for byte the same (an interrupted publish).
  const std::string path2 = r.dir.path + "/RET2.txt";
  auto w2 = batch::write_return_file(r.s().batches(), b, path2);
  REQUIRE(w2.ok());
  CHECK(w2->sha256 == w->sha256);

  REQUIRE(r.s().batches().mark_returned("CC01", "B001", "RET_CC01_20261121_B001.txt", kForceFail + 2min).ok());
  CHECK(r.s().batches().returns_due()->empty());
  auto after = r.summary("B001");
  CHECK(after.state == batch::BatchState::kReturned);
  CHECK(after.return_file == "RET_CC01_20261121_B001.txt");
  CHECK(after.returned_at == kForceFail + 2min);

  // The console's list of returned batches: from the batches table, since a time.
  auto returned = r.s().batches().returned_batches(kForceFail + 2min, 10);
  REQUIRE(returned.ok());
  REQUIRE(returned->size() == 1);
  const batch::BatchSummary& rb = returned->front();
  CHECK(rb.center_id == "CC01");
  CHECK(rb.batch_no == "B001");
  CHECK(rb.batch_date == "20261121");
  CHECK(rb.state == batch::BatchState::kReturned);
  CHECK(rb.total == 7);
  CHECK(rb.total_amount == 210000);
  CHECK(rb.force_fail_at == kForceFail);
  CHECK(rb.returned_at == kForceFail + 2min);
  CHECK(rb.return_file == "RET_CC01_20261121_B001.txt");
  CHECK(r.s().batches().returned_batches(kForceFail + 3min, 10)->empty());  // returned before that
  CHECK(r.s().batches().returned_batches(kForceFail, 0)->empty());          // the limit
}

TEST_CASE("write_return_file: a batch with an item still open is an error") {
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"I1", a1, 100, ""}, {"I2", a1, 200, ""}});
  REQUIRE(r.claim("CB1", 1, kSendFrom).size() == 1);
  r.apply("B001", 1, kSuccessFact, kSendFrom + 1s);
  CHECK(r.s().batches().returns_due()->empty());  // not due
  const auto b = r.summary("B001");
  CHECK(b.open == 1);
  auto w = batch::write_return_file(r.s().batches(), b, r.dir.path + "/RET.txt");
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().code == "RETURN");
}

TEST_CASE("write_return_file: a batch of a GBK center gets a GBK file") {
  Rig r;
  const Holder a1 = r.sign(1);
  batch::BatchCenter gbk = r.center;
  gbk.encoding = files::Encoding::kGbk;
  // The batch file itself in GBK (names are Chinese).
  const std::string path = r.dir.path + "/gbk.txt";
  {
    auto w = files::LineWriter::create(path, files::Encoding::kGbk);
    REQUIRE(w.ok());
    for (const auto& l : split_lines(batch_text("B001", {{"I1", a1, 100, "首期"}}))) {
      REQUIRE((*w)->write_line(l).ok());
    }
    REQUIRE((*w)->finish().ok());
  }
  CHECK(file_bytes(path).find("首期") == std::string::npos);  // not UTF-8 bytes
  auto res = batch::intake_file(r.s().batches(), gbk, r.hash, path, file_name("B001"), kReceived);
  REQUIRE_MESSAGE(res.ok(), res.error().to_string());
  REQUIRE(res->kind == IntakeResult::Kind::kAccepted);
  CHECK(res->rejected_items == 0);  // the GBK name matched the agreement's
  CHECK(r.summary("B001").encoding == "GBK");

  REQUIRE(all_force_failed(r.s().batches().force_fail_due(kForceFail, "job:force-fail")));
  auto due = r.s().batches().returns_due();
  REQUIRE(due->size() == 1);
  CHECK(due->front().encoding == "GBK");
  const std::string out = r.dir.path + "/RET.txt";
  REQUIRE(batch::write_return_file(r.s().batches(), due->front(), out).ok());
  auto reader = files::LineReader::open(out, files::Encoding::kGbk);
  REQUIRE(reader.ok());
  std::vector<std::string> lines;
  std::string line;
  for (;;) {
    auto more = (*reader)->next(&line);
    REQUIRE(more.ok());
    if (!*more) break;
    lines.push_back(line);
  }
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "H|CC01|B001|20261121|00|1|100|0|0|1|100");
  CHECK(split_fields(lines[1])[7] == "3002");
}

TEST_CASE("a batch with no sendable item is CLOSED at once and its return file is due") {
  Rig r;
  const Holder a1 = r.sign(1);
  r.accept("B001", {{"I1", a1, 0, ""}});
  const auto b = r.summary("B001");
  CHECK(b.state == batch::BatchState::kClosed);
  CHECK(b.open == 0);
  CHECK(b.failed == 1);
  auto due = r.s().batches().returns_due();
  REQUIRE(due->size() == 1);
  const std::string out = r.dir.path + "/RET.txt";
  REQUIRE(batch::write_return_file(r.s().batches(), due->front(), out).ok());
  CHECK(split_lines(file_bytes(out)).size() == 2);
  // An empty batch too.
  r.accept("B002", {});
  CHECK(r.summary("B002").state == batch::BatchState::kClosed);
}

// A force-failed 3001 item's late resolution starts its query backoff afresh (batch/pipeline.h):
// claims that a crash cut short ran its count up, and that count must not space the queries that
// find a late debit minutes apart (docs/decisions.md, A force-failed item's queries start afresh).
TEST_CASE("force_fail_due: a 3001 item is queried at once, its backoff count back to 0") {
  ForcedBatch fb;
  Rig& r = fb.r;
  // Item 3 (UNKNOWN) claimed for a QUERY twice, each claim lost with its process: the lease ends.
  REQUIRE(r.claim_queries("CB1", 10, kSendFrom + 2s).size() == 1);
  REQUIRE(r.claim_queries("CB1", 10, kSendFrom + 33s).size() == 1);
  REQUIRE(r.item("B001", 3).query_count == 2);

  const Instant job_at = kForceFail + 20s;
  auto closed = r.s().batches().force_fail_due(job_at, "job:force-fail");
  REQUIRE(closed.ok());
  REQUIRE(closed->closed.size() == 1);
  for (int64_t seq : {2, 3}) {
    CAPTURE(seq);
    CHECK(r.item("B001", seq).resp_code == "3001");
    CHECK(r.item("B001", seq).query_count == 0);
  }
  auto q = r.claim_queries("CB1", 10, job_at);
  REQUIRE(q.size() == 2);
  for (const auto& t : q) CHECK(t.query_count == 0);  // the pipeline's next wait: query_backoff[1]

  // One pass for both outcomes: each item's audit row has its own outcome's reason, and a 3002
  // item is left alone by the backoff (nothing to resolve).
  for (auto [seq, why] : {std::pair{3, "force-failed: sent, result unknown (3001)"},
                          std::pair{4, "force-failed: not sent before the force-fail time (3002)"}}) {
    CAPTURE(seq);
    auto trail = r.s().audit().audit_of("batch_item", "CC01:B001:" + std::to_string(seq));
    REQUIRE(trail.ok());
    REQUIRE_FALSE(trail->empty());
    CHECK(trail->back().reason == why);
    CHECK(trail->back().new_state == "FAILED");
  }
  CHECK(r.item("B001", 4).late_state.empty());
}

}  // namespace
}  // namespace repay::store
