// SqlSigningStore: the signing ports (signing/ports.h).
#include <cstdio>

#include "core/ids.h"
#include "core/mask.h"
#include "store/sql_audit_log.h"
#include "store/sql_signing_store.h"

namespace repay::store {

using signing::Agreement;
using signing::Claim;
using signing::QuickApplication;
using signing::SigningOutcome;
using signing::SigningRecord;

namespace {

const char* kAgreementColumns =
    "agreement_no, center_id, kind, channel_id, state, credit_card_enc, debit_card_enc, "
    "holder_name, id_type, id_no_enc, mobile_enc, protocol_no, created_at, updated_at";

Status audit(Connection& c, Instant at, const std::string& actor, const char* entity,
             const std::string& id, const std::string& from, const std::string& to,
             const std::string& why) {
  return append_audit(c, AuditRow{0, at, actor, entity, id, from, to, why});
}

}  // namespace

Result<Claim> SqlSigningStore::claim(const std::string& center, const std::string& req_no,
                                 const std::string& tx_code, const std::string& canonical,
                                 Instant now, std::chrono::milliseconds stale_after) {
  const std::string fingerprint = cipher_.lookup_hash(canonical);
  const std::string token = crypto::random_token(24);
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  Claim out;
  {
    auto ins = c->prepare(
        "INSERT INTO signing_requests(center_id, req_no, tx_code, fingerprint, state, claim_token, "
        "claimed_at, updated_at) VALUES (?, ?, ?, ?, 'CLAIMED', ?, ?, ?) "
        "ON CONFLICT(center_id, req_no) DO NOTHING");
    if (!ins) return ins.error();
    REPAY_TRY(ins->bind(1, center).bind(2, req_no).bind(3, tx_code).bind(4, fingerprint)
                  .bind(5, token).bind(6, to_unix_ms(now)).bind(7, to_unix_ms(now)).run());
  }
  if (c->changes() == 1) {
    REPAY_TRY(tx.commit());
    out.kind = Claim::Kind::kClaimed;
    out.token = token;
    return out;
  }
  std::string old_token;
  int64_t claimed_at = 0;
  {
    auto sel = c->prepare(
        "SELECT tx_code, fingerprint, state, claim_token, claimed_at, status, resp_code, resp_msg, "
        "agreement_no FROM signing_requests WHERE center_id = ? AND req_no = ?");
    if (!sel) return sel.error();
    sel->bind(1, center).bind(2, req_no);
    auto row = sel->step();
    if (!row) return row.error();
    if (!*row) return make_error("DB", "signing request vanished");
    if (sel->text(0) != tx_code || sel->text(1) != fingerprint) {
      out.kind = Claim::Kind::kConflict;
      return out;
    }
    if (sel->text(2) == "DONE") {
      out.kind = Claim::Kind::kDone;
      SigningRecord r;
      r.tx_code = sel->text(0);
      r.status = sel->text(5);
      r.resp_code = sel->text(6);
      r.resp_msg = sel->text(7);
      r.agreement_no = sel->text(8);
      r.center_id = center;
      r.req_no = req_no;
      out.record = r;
      return out;
    }
    old_token = sel->text(3);
    claimed_at = sel->integer(4);
  }
  if (claimed_at > to_unix_ms(now) - stale_after.count()) {
    out.kind = Claim::Kind::kInProgress;
    return out;
  }
  // The holder died mid-call: take the claim over, conditionally on it being unchanged.
  auto up = c->prepare(
      "UPDATE signing_requests SET claim_token = ?, claimed_at = ?, updated_at = ? "
      "WHERE center_id = ? AND req_no = ? AND state = 'CLAIMED' AND claim_token = ?");
  if (!up) return up.error();
  REPAY_TRY(up->bind(1, token).bind(2, to_unix_ms(now)).bind(3, to_unix_ms(now)).bind(4, center)
                .bind(5, req_no).bind(6, old_token).run());
  if (c->changes() != 1) {
    out.kind = Claim::Kind::kInProgress;
    return out;
  }
  REPAY_TRY(tx.commit());
  out.kind = Claim::Kind::kClaimed;
  out.token = token;
  return out;
}

Status SqlSigningStore::release(const std::string& center, const std::string& req_no,
                            const std::string& token) {
  auto c = pool_->acquire();
  auto s = c->prepare(
      "DELETE FROM signing_requests WHERE center_id = ? AND req_no = ? AND state = 'CLAIMED' "
      "AND claim_token = ?");
  if (!s) return s.error();
  return s->bind(1, center).bind(2, req_no).bind(3, token).run();
}

Result<SigningRecord> SqlSigningStore::finish(const SigningOutcome& o) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  {
    auto own = c->prepare(
        "SELECT 1 FROM signing_requests WHERE center_id = ? AND req_no = ? AND state = 'CLAIMED' "
        "AND claim_token = ?");
    if (!own) return own.error();
    own->bind(1, o.center_id).bind(2, o.req_no).bind(3, o.token);
    auto row = own->step();
    if (!row) return row.error();
    if (!*row) return make_error("STALE", "the claim on this ReqNo is no longer ours");
  }
  SigningRecord rec = o.record;
  rec.center_id = o.center_id;
  rec.req_no = o.req_no;
  const int64_t now = to_unix_ms(o.now);

  if (o.create_agreement) {
    const Agreement& a = *o.create_agreement;
    auto existing = read_agreement(
        *c, "center_id = ? AND credit_card_hash = ? AND debit_card_hash = ? AND kind = ? AND state = 'ACTIVE'",
        {a.center_id, cipher_.lookup_hash(a.holder.credit_card),
         cipher_.lookup_hash(a.holder.debit_card), a.kind});
    if (!existing) return existing.error();
    if (existing->has_value()) {
      rec.agreement_no = (*existing)->agreement_no;  // signed concurrently by another call
    } else {
      auto ins = c->prepare(
          "INSERT INTO agreements(agreement_no, center_id, kind, channel_id, state, "
          "credit_card_enc, credit_card_hash, credit_card_masked, debit_card_enc, debit_card_hash, "
          "debit_card_masked, holder_name, id_type, id_no_enc, id_no_hash, id_no_masked, mobile_enc, "
          "mobile_masked, protocol_no, created_at, updated_at) "
          "VALUES (?, ?, ?, ?, 'ACTIVE', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (center_id, credit_card_hash, debit_card_hash, kind) WHERE state = 'ACTIVE' "
          "DO NOTHING");
      if (!ins) return ins.error();
      const auto& h = a.holder;
      ins->bind(1, a.agreement_no).bind(2, a.center_id).bind(3, a.kind).bind(4, a.channel_id)
          .bind_blob(5, cipher_.encrypt(h.credit_card)).bind(6, cipher_.lookup_hash(h.credit_card))
          .bind(7, mask_card(h.credit_card))
          .bind_blob(8, cipher_.encrypt(h.debit_card)).bind(9, cipher_.lookup_hash(h.debit_card))
          .bind(10, mask_card(h.debit_card))
          .bind(11, h.name).bind(12, h.id_type)
          .bind_blob(13, cipher_.encrypt(h.id_no)).bind(14, cipher_.lookup_hash(h.id_no))
          .bind(15, mask_id(h.id_no));
      if (a.mobile.empty()) {
        ins->bind_null(16).bind_null(17);
      } else {
        ins->bind_blob(16, cipher_.encrypt(a.mobile)).bind(17, mask_mobile(a.mobile));
      }
      ins->bind_opt(18, a.protocol_no).bind(19, now).bind(20, now);
      REPAY_TRY(ins->run());
      if (c->changes() == 1) {
        REPAY_TRY(audit(*c, o.now, o.actor, "agreement", a.agreement_no, "", "ACTIVE",
                        o.reason.empty() ? "signed" : o.reason));
        rec.agreement_no = a.agreement_no;
      } else {
        // Signed by another call that committed since the read above: that one is the agreement
        // (the unique index agreements_active_pair).
        auto first = read_agreement(
            *c, "center_id = ? AND credit_card_hash = ? AND debit_card_hash = ? AND kind = ? AND state = 'ACTIVE'",
            {a.center_id, cipher_.lookup_hash(a.holder.credit_card),
             cipher_.lookup_hash(a.holder.debit_card), a.kind});
        if (!first) return first.error();
        if (!first->has_value()) return make_error("DB", "active agreement vanished", "agreementNo", a.agreement_no);
        rec.agreement_no = (*first)->agreement_no;
      }
    }
  }

  if (o.create_application) {
    const QuickApplication& a = *o.create_application;
    auto ins = c->prepare(
        "INSERT INTO quick_applications(center_id, apply_req_no, channel_id, req_sn, state, tries, "
        "credit_card_enc, debit_card_enc, holder_name, id_type, id_no_enc, mobile_enc, "
        "mobile_masked, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, 'SMS_SENT', 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!ins) return ins.error();
    ins->bind(1, a.center_id).bind(2, a.apply_req_no).bind(3, a.channel_id).bind(4, a.req_sn)
        .bind_blob(5, cipher_.encrypt(a.holder.credit_card))
        .bind_blob(6, cipher_.encrypt(a.holder.debit_card))
        .bind(7, a.holder.name).bind(8, a.holder.id_type)
        .bind_blob(9, cipher_.encrypt(a.holder.id_no))
        .bind_blob(10, cipher_.encrypt(a.mobile)).bind(11, mask_mobile(a.mobile))
        .bind(12, now).bind(13, now);
    REPAY_TRY(ins->run());
    REPAY_TRY(audit(*c, o.now, o.actor, "quick_application", a.center_id + ":" + a.apply_req_no,
                    "", "SMS_SENT", o.reason));
  }

  if (o.application_update) {
    const auto& u = *o.application_update;
    auto up = c->prepare(
        "UPDATE quick_applications SET state = ?, resp_code = ?, agreement_no = ?, updated_at = ? "
        "WHERE center_id = ? AND apply_req_no = ? AND state = 'SMS_SENT'");
    if (!up) return up.error();
    REPAY_TRY(up->bind(1, u.state).bind_opt(2, u.resp_code)
                  .bind_opt(3, u.state == signing::kSigned ? rec.agreement_no : std::string())
                  .bind(4, now).bind(5, o.center_id).bind(6, u.apply_req_no).run());
    if (c->changes() == 1) {
      REPAY_TRY(audit(*c, o.now, o.actor, "quick_application", o.center_id + ":" + u.apply_req_no,
                      "SMS_SENT", u.state, o.reason));
    }
  }

  if (o.revoke_agreement) {
    auto up = c->prepare(
        "UPDATE agreements SET state = 'REVOKED', updated_at = ? WHERE agreement_no = ? "
        "AND state = 'ACTIVE'");
    if (!up) return up.error();
    REPAY_TRY(up->bind(1, now).bind(2, *o.revoke_agreement).run());
    if (c->changes() == 1) {
      REPAY_TRY(audit(*c, o.now, o.actor, "agreement", *o.revoke_agreement, "ACTIVE", "REVOKED",
                      o.reason));
    }
  }

  {
    auto up = c->prepare(
        "UPDATE signing_requests SET state = 'DONE', claim_token = NULL, status = ?, resp_code = ?, "
        "resp_msg = ?, agreement_no = ?, updated_at = ? WHERE center_id = ? AND req_no = ? "
        "AND state = 'CLAIMED' AND claim_token = ?");
    if (!up) return up.error();
    REPAY_TRY(up->bind(1, rec.status).bind(2, rec.resp_code).bind(3, rec.resp_msg)
                  .bind_opt(4, rec.agreement_no).bind(5, now).bind(6, o.center_id)
                  .bind(7, o.req_no).bind(8, o.token).run());
    // Taken over since the check above (READ COMMITTED): nothing of this outcome is kept.
    if (c->changes() != 1) return make_error("STALE", "the claim on this ReqNo is no longer ours");
  }
  REPAY_TRY(tx.commit());
  return rec;
}

Result<std::optional<Agreement>> SqlSigningStore::read_agreement(Connection& c, std::string_view where,
                                                             const std::vector<std::string>& args) {
  auto s = c.prepare(std::string("SELECT ") + kAgreementColumns + " FROM agreements WHERE " +
                     std::string(where));
  if (!s) return s.error();
  for (size_t i = 0; i < args.size(); ++i) s->bind(static_cast<int>(i + 1), args[i]);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Agreement>();
  Agreement a;
  a.agreement_no = s->text(0);
  a.center_id = s->text(1);
  a.kind = s->text(2);
  a.channel_id = s->text(3);
  auto state = signing::agreement_state_from_text(s->text(4));
  if (!state) return state.error();
  a.state = *state;
  auto credit = cipher_.decrypt(s->blob(5));
  auto debit = cipher_.decrypt(s->blob(6));
  auto id_no = cipher_.decrypt(s->blob(9));
  if (!credit || !debit || !id_no) {
    return make_error("CRYPTO", "agreement " + a.agreement_no + " cannot be decrypted with this key");
  }
  a.holder = signing::CardHolder{*credit, *debit, s->text(7), s->text(8), *id_no};
  if (!s->is_null(10)) {
    auto mobile = cipher_.decrypt(s->blob(10));
    if (!mobile) return mobile.error();
    a.mobile = *mobile;
  }
  a.protocol_no = s->text(11);
  a.created_at = from_unix_ms(s->integer(12));
  a.updated_at = from_unix_ms(s->integer(13));
  return std::optional<Agreement>(a);
}

Result<std::optional<Agreement>> SqlSigningStore::active_agreement(const std::string& center,
                                                               const std::string& credit_card,
                                                               const std::string& debit_card,
                                                               const std::string& kind) {
  auto c = pool_->acquire();
  return read_agreement(
      *c, "center_id = ? AND credit_card_hash = ? AND debit_card_hash = ? AND kind = ? AND state = 'ACTIVE'",
      {center, cipher_.lookup_hash(credit_card), cipher_.lookup_hash(debit_card), kind});
}

Result<std::optional<Agreement>> SqlSigningStore::agreement(const std::string& agreement_no) {
  auto c = pool_->acquire();
  return read_agreement(*c, "agreement_no = ?", {agreement_no});
}

Result<std::optional<QuickApplication>> SqlSigningStore::application(const std::string& center,
                                                                 const std::string& apply_req_no) {
  auto c = pool_->acquire();
  auto s = c->prepare(
      "SELECT channel_id, req_sn, state, tries, resp_code, credit_card_enc, debit_card_enc, "
      "holder_name, id_type, id_no_enc, mobile_enc, agreement_no FROM quick_applications "
      "WHERE center_id = ? AND apply_req_no = ?");
  if (!s) return s.error();
  s->bind(1, center).bind(2, apply_req_no);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return std::optional<QuickApplication>();
  QuickApplication a;
  a.center_id = center;
  a.apply_req_no = apply_req_no;
  a.channel_id = s->text(0);
  a.req_sn = s->text(1);
  a.state = s->text(2);
  a.tries = static_cast<int>(s->integer(3));
  a.resp_code = s->text(4);
  auto credit = cipher_.decrypt(s->blob(5));
  auto debit = cipher_.decrypt(s->blob(6));
  auto id_no = cipher_.decrypt(s->blob(9));
  auto mobile = cipher_.decrypt(s->blob(10));
  if (!credit || !debit || !id_no || !mobile) {
    return make_error("CRYPTO", "application cannot be decrypted with this key");
  }
  a.holder = signing::CardHolder{*credit, *debit, s->text(7), s->text(8), *id_no};
  a.mobile = *mobile;
  a.agreement_no = s->text(11);
  return std::optional<QuickApplication>(a);
}

Result<int> SqlSigningStore::take_sms_try(const std::string& center, const std::string& apply_req_no,
                                      int max_tries) {
  auto c = pool_->acquire();
  auto s = c->prepare(
      "UPDATE quick_applications SET tries = tries + 1 WHERE center_id = ? AND apply_req_no = ? "
      "AND state = 'SMS_SENT' AND tries < ? RETURNING tries");
  if (!s) return s.error();
  s->bind(1, center).bind(2, apply_req_no).bind(3, int64_t{max_tries});
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return make_error("1007", "no SMS try left");
  int tries = static_cast<int>(s->integer(0));
  REPAY_TRY(s->run());
  return tries;
}

Status SqlSigningStore::give_back_sms_try(const std::string& center, const std::string& apply_req_no) {
  auto c = pool_->acquire();
  auto s = c->prepare(
      "UPDATE quick_applications SET tries = tries - 1 WHERE center_id = ? AND apply_req_no = ? "
      "AND state = 'SMS_SENT' AND tries > 0");
  if (!s) return s.error();
  return s->bind(1, center).bind(2, apply_req_no).run();
}

Result<std::string> SqlSigningStore::next_req_sn() { return store::next_req_sn(*pool_); }

Result<std::string> SqlSigningStore::next_agreement_no(Instant now) {
  auto v = reserve_sequence("agreement_no", 1);
  if (!v) return v.error();
  return ids::agreement_no(now, *v);
}

}  // namespace repay::store
