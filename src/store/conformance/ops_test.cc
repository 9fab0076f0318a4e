// Conformance, ops (ops::OpsStore, report::ReportStore), on the store under test filled by the
// test: the gauges /metrics shows and the daily report's figures.
#include "store/conformance/suite_store.h"

#include <unistd.h>

#include <cstdlib>

#include <doctest/doctest.h>

namespace repay::store {
namespace {

const std::string kKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const Date kDay(2026, 11, 20);

int64_t ms(int h, int m) { return to_unix_ms(cst_time_on(kDay, h * 60 + m)); }
std::string n(int64_t v) { return std::to_string(v); }

struct Filled {
  std::string dir;
  crypto::FieldCipher cipher = *crypto::FieldCipher::from_hex_key(kKey);
  std::unique_ptr<conformance::StoreUnderTest> opened;
  Stores* store = nullptr;

  Filled() {
    char tmpl[] = "/tmp/repay_ops_sql_test_XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    opened = conformance::open_store_under_test(dir + "/repay.db", cipher, 2);
    store = &opened->stores();
    exec(
        "INSERT INTO batches(center_id, batch_no, batch_date, file_name, sha256, total_count, total_amount, "
        "received_at, send_from_at, force_fail_at, encoding, state, returned_at) VALUES "
        "('CC01', 'B001', '20261120', 'f1', 'x', 4, 70000, " + n(ms(5, 0)) + ", " + n(ms(6, 0)) + ", " +
        n(ms(15, 50)) + ", 'UTF-8', 'RETURNED', " + n(ms(15, 51)) + "), "
        "('CC01', 'B002', '20261120', 'f2', 'y', 2, 3000, " + n(ms(9, 0)) + ", " + n(ms(9, 0)) + ", " +
        n(ms(23, 50)) + ", 'UTF-8', 'OPEN', NULL), "
        "('CC02', 'B001', '20261119', 'f3', 'z', 1, 100, " + n(ms(1, 0)) + ", " + n(ms(1, 0)) + ", " +
        n(ms(2, 0)) + ", 'UTF-8', 'RETURNED', " + n(ms(2, 0)) + ")");
    item("CC01", "B001", 1, "SUCCESS", "0000", 10000, 100, false, ms(6, 5));
    item("CC01", "B001", 2, "SUCCESS", "0000", 20000, 100, false, ms(6, 6));
    item("CC01", "B001", 3, "FAILED", "3001", 30000, 0, true, ms(15, 50));
    item("CC01", "B001", 4, "REJECTED", "2003", 10000, 0, false, ms(5, 1));
    item("CC01", "B002", 1, "PENDING", "", 1000, 0, false, 0);
    item("CC01", "B002", 2, "SUCCESS", "0000", 2000, 0, false, ms(9, 30));
    item("CC02", "B001", 1, "SUCCESS", "0000", 100, 0, false, ms(1, 30));
    exec("INSERT INTO repayments(txn_no, center_id, req_no, fingerprint, agreement_no, amount, fee, state, resp_code, "
         "created_at, finished_at, updated_at) VALUES "
         "('T1', 'CC01', 'R1', 'f', 'AG1', 5000, 50, 'SUCCESS', '0000', " + n(ms(12, 0)) + ", " + n(ms(12, 0)) + ", 0), "
         "('T2', 'CC01', 'R2', 'f', 'AG1', 700, 0, 'UNKNOWN', NULL, " + n(ms(12, 1)) + ", NULL, 0), "
         "('T3', 'CC01', 'R3', 'f', 'AG1', 900, 0, 'SUCCESS', '0000', " + n(ms(24, 1)) + ", " + n(ms(24, 1)) + ", 0)");
    exec("INSERT INTO refunds(refund_no, center_id, origin, reason, orig_txn_no, amount, debit_amount, state, "
         "created_at, created_by, updated_at) VALUES "
         "('RF1', 'CC01', 'US', 'LATE_SUCCESS', 'T9', 30000, 30000, 'PENDING_REVIEW', " + n(ms(16, 0)) + ", 'recon', 0)");
    exec("INSERT INTO exceptions(kind, center_id, channel_id, ref, detail, created_at) VALUES "
         "('OURS_MISSING', 'CC01', 'COLL01', 'RS1', 'd', " + n(ms(10, 0)) + "), "
         "('OURS_MISSING', 'CC01', 'COLL01', 'RS2', 'd', " + n(ms(-10, 0)) + ")");
    exec("INSERT INTO notifications(center_id, key, url, body_fields, state, created_at, next_at) VALUES "
         "('CC01', 'k1', 'http://127.0.0.1/n', '', 'PENDING', " + n(ms(12, 0)) + ", 0), "
         "('CC01', 'k2', 'http://127.0.0.1/n', '', 'DELIVERED', " + n(ms(11, 0)) + ", 0), "
         "('CC01', 'k3', 'http://127.0.0.1/n', '', 'GAVE_UP', " + n(ms(10, 0)) + ", 0)");
    exec("INSERT INTO recon_run_counts(channel_id, date, class, count) VALUES "
         "('COLL01', 20261119, 'MATCHED', 10), ('COLL01', 20261120, 'MATCHED', 12), "
         "('COLL01', 20261120, 'BANK_ONLY', 1)");
  }
  ~Filled() {
    opened.reset();
    (void)std::system(("rm -rf '" + dir + "'").c_str());
  }

  void exec(const std::string& sql) {
    auto c = store->pool().acquire();
    auto st = c->exec(sql);
    REQUIRE_MESSAGE(st.ok(), st.error().to_string());
  }
  void item(const std::string& center, const std::string& batch, int seq, const std::string& state,
            const std::string& code, int64_t amount, int64_t fee, bool forced, int64_t finished) {
    exec("INSERT INTO batch_items(center_id, batch_no, seq, item_id, agreement_no, amount, fee, debit_amount, "
         "state, resp_code, forced, send_from_at, force_fail_at, finished_at, updated_at) VALUES ('" + center +
         "', '" + batch + "', " + n(seq) + ", 'I" + n(seq) + "', 'AG1', " + n(amount) + ", " + n(fee) + ", " +
         n(amount) + ", '" + state + "', " + (code.empty() ? "NULL" : "'" + code + "'") + ", " +
         (forced ? "1" : "0") + ", 0, 0, " + (finished ? n(finished) : "NULL") + ", 0)");
  }
};

int64_t count_of(const std::vector<ops::CountBy>& rows, const std::string& a, const std::string& b) {
  for (const auto& r : rows) {
    if (r.a == a && r.b == b) return r.count;
  }
  return -1;
}

}  // namespace

TEST_CASE("gauges: batches, items of batches not returned, outlook, backlog, refunds, latest recon") {
  Filled f;
  ops::OpsStore& ops = f.opened->ports().ops();
  auto r = ops.read_gauges();
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  CHECK(count_of(r->batches, "CC01", "RETURNED") == 1);
  CHECK(count_of(r->batches, "CC01", "OPEN") == 1);
  CHECK(count_of(r->batches, "CC02", "RETURNED") == 1);
  CHECK(count_of(r->items, "CC01", "PENDING") == 1);
  CHECK(count_of(r->items, "CC01", "SUCCESS") == 1);  // B001 is returned: not counted
  REQUIRE(r->open_batches.size() == 1);
  CHECK(r->open_batches[0].batch_no == "B002");
  CHECK(r->open_batches[0].unfinished == 1);
  CHECK(r->open_batches[0].force_fail_at == from_unix_ms(ms(23, 50)));
  CHECK(count_of(r->notifications, "PENDING", "") == 1);
  CHECK(count_of(r->notifications, "GAVE_UP", "") == 1);
  CHECK(count_of(r->notifications, "DELIVERED", "") == -1);
  CHECK(r->oldest_pending_notification == from_unix_ms(ms(12, 0)));
  CHECK(count_of(r->realtime_unresolved, "", "UNKNOWN") == 1);
  CHECK(count_of(r->realtime_unresolved, "", "SUCCESS") == -1);
  CHECK(count_of(r->refunds, "US", "PENDING_REVIEW") == 1);
  CHECK(count_of(r->recon, "COLL01", "MATCHED") == 12);
  CHECK(count_of(r->recon, "COLL01", "BANK_ONLY") == 1);
  CHECK(count_of(r->recon_day, "COLL01", "") == 20261120);
}

TEST_CASE("daily report figures from a filled store") {
  Filled f;
  report::ReportStore& ops = f.opened->ports().reports();
  auto d = ops.day_records(kDay, "");
  REQUIRE_MESSAGE(d.ok(), d.error().to_string());
  auto rep = report::compute_daily(kDay, *d);
  REQUIRE(rep.centers.size() == 1);  // CC02's batch is of the 19th
  const auto& c = rep.centers[0];
  CHECK(c.center_id == "CC01");
  CHECK(c.batch_items.count == 6);
  CHECK(c.realtime.count == 2);  // T3 was created on the 21st
  CHECK(c.success.count == 4);
  CHECK(c.success.amount == 37000);
  CHECK(c.failed.count == 2);
  CHECK(c.forced.count == 1);
  CHECK(c.forced.amount == 30000);
  CHECK(c.open.count == 2);
  CHECK(c.fees == 250);
  CHECK(report::success_permille(c) == 667);
  CHECK(c.refunds.at("US PENDING_REVIEW").amount == 30000);
  CHECK(c.exceptions.at("OURS_MISSING") == 1);
  REQUIRE(c.batches.size() == 2);
  CHECK(c.batches[0].returned_at == from_unix_ms(ms(15, 51)));

  auto only = ops.day_records(kDay, "CC02");
  REQUIRE(only.ok());
  CHECK(only->batches.empty());
  CHECK(only->items.empty());
}
}  // namespace repay::store
