// Signs an ACTIVE COLLECT agreement through the SigningStore port, the way the signing use-case
// stores one (a claim of the ReqNo, then its outcome): for the unit tests that need an agreement
// to debit. Synthetic holder data (Luhn-valid cards, the GB 11643 example ID).
#pragma once

#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "signing/ports.h"

namespace repay::testing {

// The outcome of a successful signing of the ReqNo claimed with `token`: an ACTIVE COLLECT
// agreement `agreement_no` on CB1, the same cards whatever the number.
inline signing::SigningOutcome collect_signed(const std::string& center, const std::string& req_no,
                                              const std::string& token,
                                              const std::string& agreement_no, Instant now) {
  signing::SigningOutcome o;
  o.center_id = center;
  o.req_no = req_no;
  o.token = token;
  o.actor = "api:" + center + ":" + req_no;
  o.now = now;
  o.record.tx_code = "sign3";
  o.record.status = "SIGNED";
  o.record.resp_code = "0000";
  signing::Agreement a;
  a.agreement_no = agreement_no;
  a.center_id = center;
  a.kind = signing::kCollect;
  a.channel_id = "CB1";
  a.state = signing::AgreementState::kActive;
  a.holder = signing::CardHolder{"6200000000000005", "4111111111111111", "ZhangSan", "01",
                                 "11010519491231002X"};
  o.create_agreement = a;
  return o;
}

// Returns the agreement number stored (`agreement_no`, or the ACTIVE agreement of the same cards
// when there is one already).
inline std::string sign_collect_agreement(signing::SigningStore& store, const std::string& center,
                                          const std::string& agreement_no, Instant now) {
  using namespace std::chrono_literals;
  const std::string req_no = "SIGN-" + agreement_no;
  auto cl = store.claim(center, req_no, "sign3", "canonical " + req_no, now, 120s);
  REQUIRE_MESSAGE(cl.ok(), cl.error().to_string());
  REQUIRE(cl->kind == signing::Claim::Kind::kClaimed);
  auto r = store.finish(collect_signed(center, req_no, cl->token, agreement_no, now));
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  return r->agreement_no;
}

}  // namespace repay::testing
