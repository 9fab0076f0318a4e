// Conformance, T+1 jobs (settlement::JobStore), on the store under test: attempts, done once, one alert with its exception,
// the first day kept.
#include <unistd.h>

#include <filesystem>

#include <doctest/doctest.h>

#include "store/settle_jobs_sql.h"
#include "store/conformance/suite_store.h"

namespace repay::store {
namespace {

using namespace std::chrono_literals;

const std::string kKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

struct JobsFixture {
  std::string dir;
  crypto::FieldCipher cipher = *crypto::FieldCipher::from_hex_key(kKey);
  std::unique_ptr<conformance::StoreUnderTest> opened;
  Stores* store = nullptr;
  settlement::JobStore* jobs = nullptr;
  JobsFixture() {
    dir = (std::filesystem::temp_directory_path() / ("jobs_test_" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    opened = conformance::open_store_under_test(dir + "/repay.db", cipher);
    store = &opened->stores();
    jobs = &opened->ports().jobs();
  }
  ~JobsFixture() {
    opened.reset();
    std::filesystem::remove_all(dir);
  }
};

}  // namespace

TEST_CASE("settle jobs: a new job is not done; failures count; done once; one alert, one exception") {
  JobsFixture f;
  const Instant now = cst_time_on(Date(2026, 11, 22), 60);
  const settlement::JobKey k{settlement::kJobStatement, "BANKC", "20261121"};
  auto r = f.jobs->job(k);
  REQUIRE(r);
  CHECK_FALSE(r->done);
  CHECK(r->attempts == 0);

  REQUIRE(f.jobs->job_failed(k, "NOT_READY", now + 10min, now));
  REQUIRE(f.jobs->job_failed(k, "NOT_READY again", now + 20min, now + 10min));
  r = f.jobs->job(k);
  REQUIRE(r);
  CHECK(r->attempts == 2);
  CHECK(r->last_error == "NOT_READY again");
  CHECK(r->next_at == now + 20min);

  const settlement::JobAlert a{"STATEMENT_MISSING", "", "BANKC", "no statement by 18:00"};
  auto first = f.jobs->job_alerted(k, a, now + 1h);
  REQUIRE(first);
  CHECK(*first);
  auto second = f.jobs->job_alerted(k, a, now + 2h);
  REQUIRE(second);
  CHECK_FALSE(*second);
  auto ex = f.store->count_rows("exceptions");
  REQUIRE(ex);
  CHECK(*ex == 1);

  REQUIRE(f.jobs->job_done(k, "v1 12 lines", now + 3h));
  REQUIRE(f.jobs->job_done(k, "v2 overwritten?", now + 4h));  // done stays as first recorded
  r = f.jobs->job(k);
  REQUIRE(r);
  CHECK(r->done);
  CHECK(r->alerted);
  CHECK(r->detail == "v1 12 lines");
  CHECK(r->last_error.empty());
  // Another subject is its own job.
  auto other = f.jobs->job({settlement::kJobStatement, "BANKQ", "20261121"});
  REQUIRE(other);
  CHECK_FALSE(other->done);
}

TEST_CASE("settle jobs: the first day is the day first asked, and stays") {
  JobsFixture f;
  auto d1 = f.jobs->first_day(cst_time_on(Date(2026, 11, 20), 23 * 60 + 59));
  REQUIRE(d1);
  CHECK(*d1 == Date(2026, 11, 20));
  auto d2 = f.jobs->first_day(cst_time_on(Date(2026, 11, 25), 10));
  REQUIRE(d2);
  CHECK(*d2 == Date(2026, 11, 20));
}

TEST_CASE("recon_ours, rebuilt without IN lists, still refuses what its CHECKs forbid") {
  JobsFixture f;
  auto c = f.store->pool().acquire();
  auto insert = [&](const std::string& type, const std::string& source, const std::string& state) {
    return c->exec("INSERT INTO recon_ours(channel_id, day, req_sn, type, source, center_id, amount, "
                   "principal, state, copied_at) VALUES ('BANKC', 20261121, 'RS" + type + source + state +
                   "', '" + type + "', '" + source + "', 'CC01', 100, 100, '" + state + "', 0)").ok();
  };
  CHECK(insert("DEBIT", "B", "S"));
  CHECK(insert("REFUND", "F", "P"));
  CHECK_FALSE(insert("CREDIT", "B", "S"));
  CHECK_FALSE(insert("DEBIT", "Q", "S"));
  CHECK_FALSE(insert("DEBIT", "B", "Z"));
  CHECK_FALSE(insert("DEBIT", "B", "s"));
}

}  // namespace repay::store
