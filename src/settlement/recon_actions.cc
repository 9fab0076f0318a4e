#include "settlement/recon_actions.h"

#include "core/ids.h"

namespace repay::settlement {

namespace {

// The exception an outcome raises, nullptr for none: the class's name is its kind.
const char* exception_kind(Class c) {
  switch (c) {
    case Class::kAmountDiffers:
    case Class::kTypeDiffers:
    case Class::kDuplicateLine:
    case Class::kUnknownReqSn:
    case Class::kOursMissing:
    case Class::kRefundContradicts:
      return class_name(c);
    default:
      return nullptr;
  }
}

// The state a record keeps after an outcome ("" when the outcome does not change it: a duplicate
// or unknown line never changes the record it names).
std::string status_after(Class c) {
  switch (c) {
    case Class::kMatched:
    case Class::kReleased:
      return "MATCHED";
    case Class::kSuspense:
      return "HELD";
    case Class::kOursMissing:
      return "MISSING";
    case Class::kStillOpen:
      return "OPEN";
    case Class::kDuplicateLine:
    case Class::kUnknownReqSn:
    case Class::kNotMoved:
    case Class::kMatchedBefore:
      return "";
    default:
      return class_name(c);
  }
}

std::string line_text(const StatementLine& l, Date day) {
  return "statement " + format_date(day) + " line " + std::to_string(l.line_no);
}

// The bank's success as its statement of `day` lists it.
debit::BankFact listed_success(const StatementLine& l, Date day) {
  debit::BankFact fact;
  fact.detail = line_text(l, day);
  fact.kind = debit::BankFact::Kind::kSuccess;
  fact.channel_txn_no = std::string(l.channel_txn_no);
  fact.settle_date = format_date(day);
  fact.amount = l.amount;
  fact.statement = true;
  return fact;
}

// files.md (LATE_SUCCESS) and domain.md flow 4: the bank debited a DEBIT whose card center was
// told it failed; the whole debit goes back after review.
ProposalAction proposal_of(const Outcome& o, const OriginalView& orig, Date day) {
  ProposalAction p;
  p.reason = o.cls == Class::kLateSuccess ? "LATE_SUCCESS" : "OTHER";
  p.center_id = orig.center_id;
  p.orig_source = orig.source;
  if (orig.source == "B") {
    p.orig_batch_no = orig.batch_no;
    p.orig_ref = ids::batch_item_ref(orig.center_id, orig.batch_no, orig.seq);
  } else {
    p.orig_ref = orig.req_no;
  }
  p.orig_txn_no = orig.txn_no;
  // What a failed debit the bank made gives back (refundable_of): the whole debit, principal and
  // the cardholder's fee, nothing of the card center's fee (a failed debit is never billed).
  p.figures = whole_debit_figures(orig.amount, orig.cardholder_fee);
  p.why = line_text(*o.line, day) + ": the bank debited " + format_amount(o.line->amount) +
          ", ours failed" + (orig.told.empty() ? std::string() : " (" + orig.told + " to the card center)");
  return p;
}

}  // namespace

std::optional<debit::BankFact> statement_fact(const Outcome& o, Date day) {
  if (o.cls != Class::kBankDoneOursPending || !o.our || !o.line) return std::nullopt;
  return listed_success(*o.line, day);
}

FactDone batch_fact_done(const debit::Transition& t) {
  using K = debit::Transition::Kind;
  const char* what = t.kind == K::kApply       ? "applied"
                     : t.kind == K::kLate      ? "late (force-failed)"
                     : t.kind == K::kException ? "exception"
                                               : "no change";
  return {std::string("batch item ") + what, t.kind == K::kApply || t.kind == K::kLate};
}

FactDone realtime_fact_done(bool repayment, const std::string& no, const std::string& state) {
  return {std::string(repayment ? "repayment " : "refund ") + no + " " + state, true};
}

FactDone fact_not_found() { return {"not found live", false}; }

bool wants_original(const Outcome& o, const std::optional<LiveView>& live) {
  return (o.cls == Class::kLateSuccess || o.cls == Class::kDebitedOursFailed) && live.has_value() &&
         o.line != nullptr;
}

RecordActions recon_actions(const Outcome& o, const std::optional<LiveView>& live,
                            const std::optional<OriginalView>& original, Date day) {
  RecordActions a;
  const std::string status = status_after(o.cls);
  if (o.our && !status.empty()) {
    KeptState k;
    k.status = status;
    k.line_today = o.line != nullptr;
    k.held = o.cls == Class::kSuspense || o.cls == Class::kOursMissing;
    // The record's day as it is now (a fact of step 1 may have finished it today), and whether
    // it may still move.
    k.moving = !live || live->state == OurState::kPending;
    k.day = live ? live->day : o.our->day;
    a.kept = k;
  }

  if (wants_original(o, live)) {
    // A batch item gets its late state whether or not it can be refunded.
    if (original && o.cls == Class::kLateSuccess && original->source == "B") {
      a.late_fact = listed_success(*o.line, day);
    }
    if (original && !original->txn_no.empty()) a.proposal = proposal_of(o, *original, day);
    else a.action = "no TxnNo: not proposed";
  }

  // Exceptions for staff: one per kind and ReqSn (and statement day for a line's own fault).
  if (const char* kind = exception_kind(o.cls)) {
    const std::string sn(o.our ? o.our->req_sn : o.line->req_sn);
    const bool line_fault = o.cls == Class::kDuplicateLine || o.cls == Class::kUnknownReqSn;
    ExceptionAction e;
    e.kind = kind;
    e.ref = line_fault ? sn + "@" + format_date(day) : sn;
    e.detail = std::string(kind) + " statement " + format_date(day);
    if (o.line) {
      e.detail += " line " + std::to_string(o.line->line_no) + " " + txn_type_name(o.line->type) +
                  " " + format_amount(o.line->amount);
    }
    if (o.our) {
      e.detail += "; ours " + std::string(txn_type_name(o.our->type)) + " " +
                  format_amount(o.our->amount) + " of " + format_date(date_of_day(o.our->day));
    }
    e.center_id = live ? live->center_id : "";
    a.exception = std::move(e);
    if (a.action.empty()) a.action = "exception";
  }
  return a;
}

std::string proposal_done(const std::optional<std::string>& refund_no, const std::string& reason) {
  return refund_no ? "proposal " + *refund_no + " " + reason : std::string("proposal exists");
}

}  // namespace repay::settlement
