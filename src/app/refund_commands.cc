// repay refunds list|show|approve|reject|propose|expire: the review of our refund proposals by
// settlement staff (domain.md flow 4, 退款待审核), until the staff console does it. Card numbers
// only as masked; rules in settlement/review.h, storage in store/review_sql.cc.
#include <iomanip>
#include <iostream>

#include <boost/program_options.hpp>

#include "app/command_context.h"
#include "app/cli_output.h"
#include "app/commands.h"
#include "settings/settings.h"
#include "console/staff_auth.h"
#include "crypto/crypto.h"

namespace po = boost::program_options;

namespace repay::app {

using namespace repay::settings;  // the binary reads its settings by their own names
namespace {

std::string when(Instant t) { return t == Instant{} ? "-" : format_cst_timestamp(t); }

std::string approvers_of(const settlement::ProposalRow& r) {
  std::string out;
  for (const auto& a : r.approvers) out += (out.empty() ? "" : ",") + a;
  return out.empty() ? "-" : out;
}

// The original as people name it: "batch B1 #3 item I0003", or "ReqNo R1".
std::string original_of(const settlement::ProposalRow& r) {
  if (r.orig_source == "B") {
    if (r.orig_batch_no.empty()) return "batch " + r.orig_ref;  // the item is not found
    return "batch " + r.orig_batch_no + " #" + std::to_string(r.orig_seq) + " item " + r.orig_item_id;
  }
  return r.orig_ref.empty() ? "-" : "ReqNo " + r.orig_ref;
}

// docs/cli.md, refunds: the fields of a proposal.
JsonObject proposal_json(const settlement::ProposalRow& r) {
  JsonObject o;
  o.str("refundNo", r.refund_no).str("center", r.center_id).str("reason", r.reason)
      .str("state", realtime::to_text(r.state)).str("respCode", r.resp_code).str("origTxnNo", r.orig_txn_no)
      .str("origSource", r.orig_source == "B" ? "batch" : "realtime");
  if (r.orig_source == "B") {
    o.str("batchNo", r.orig_batch_no);
    if (r.orig_batch_no.empty()) {
      o.null("seq");
    } else {
      o.num("seq", r.orig_seq);
    }
    o.str("itemId", r.orig_item_id).null("reqNo");
  } else {
    o.null("batchNo").null("seq").null("itemId").str("reqNo", r.orig_ref);
  }
  o.num("amount", r.amount).num("cardholderFee", r.cardholder_fee).num("debitAmount", r.debit_amount)
      .str("reqSn", r.req_sn).time("createdAt", r.created_at).str("createdBy", r.created_by)
      .strs("approvedBy", r.approvers);
  return o;
}

void print_list(const std::vector<settlement::ProposalRow>& rows) {
  Table t({"refundNo", "center", "reason", "state", "origTxnNo", "original", "debitAmount>", "created",
           "by", "approved by"});
  for (const auto& r : rows) {
    t.row({r.refund_no, r.center_id, r.reason, realtime::to_text(r.state) + (r.resp_code.empty() ? "" : " " + r.resp_code),
           r.orig_txn_no, original_of(r), std::to_string(r.debit_amount), when(r.created_at),
           r.created_by, approvers_of(r)});
  }
  t.print(std::cout);
}

std::string detail_json(const settlement::ProposalDetail& d) {
  JsonObject original;
  original.str("state", d.orig_state).str("respCode", d.orig_resp_code).num("amount", d.orig_amount)
      .num("cardholderFee", d.orig_cardholder_fee).num("debitAmount", d.orig_debit_amount)
      .time("finishedAt", d.orig_finished_at).str("channel", d.channel_id).str("reqSn", d.orig_req_sn)
      .str("channelTxnNo", d.channel_txn_no).str("settleDate", d.settle_date)
      .str("creditCard", d.credit_card_masked).str("debitCard", d.debit_card_masked)
      .boolean("forced", d.forced).time("forceFailAt", d.force_fail_at).str("lateState", d.late_state);
  std::vector<std::string> history;
  for (const auto& e : d.history) {
    history.push_back(JsonObject().time("at", e.at).str("actor", e.actor).str("from", e.old_state)
                          .str("to", e.new_state).str("reason", e.reason).done());
  }
  auto o = proposal_json(d.row);
  o.raw("original", original.done()).str("discrepancy", d.discrepancy).num("ceiling", d.ceiling)
      .num("reserved", d.reserved).raw("history", json_array(history));
  return o.done();
}

void print_detail(const settlement::ProposalDetail& d) {
  const auto& r = d.row;
  std::cout << "refund " << r.refund_no << "  " << r.reason << "  " << realtime::to_text(r.state)
            << (r.resp_code.empty() ? "" : " " + r.resp_code) << "\n"
            << "  center " << r.center_id << ", created " << when(r.created_at) << " by "
            << r.created_by << ", approved by " << approvers_of(r) << "\n"
            << "  amount " << r.amount << " + fee to card " << r.cardholder_fee
            << " = back to the card " << r.debit_amount << " (fen)"
            << (r.req_sn.empty() ? "" : ", sent as " + r.req_sn) << "\n"
            << "original " << r.orig_txn_no << " (" << original_of(r) << ")\n"
            << "  state " << d.orig_state << (d.orig_resp_code.empty() ? "" : " " + d.orig_resp_code)
            << ", amount " << d.orig_amount << ", cardholder fee " << d.orig_cardholder_fee
            << ", debit " << d.orig_debit_amount << ", finished " << when(d.orig_finished_at) << "\n"
            << "  credit card " << (d.credit_card_masked.empty() ? "-" : d.credit_card_masked)
            << ", debit card " << (d.debit_card_masked.empty() ? "-" : d.debit_card_masked) << "\n"
            << "  channel " << (d.channel_id.empty() ? "-" : d.channel_id) << ", ReqSn "
            << (d.orig_req_sn.empty() ? "-" : d.orig_req_sn) << ", bank txn "
            << (d.channel_txn_no.empty() ? "-" : d.channel_txn_no) << "\n";
  if (d.ceiling > 0) {
    std::cout << "  refund ceiling " << d.ceiling << ", reserved " << d.reserved << ", refundable "
              << d.ceiling - d.reserved << "\n";
  }
  if (!d.statement_date.empty()) {
    std::cout << "bank statement " << d.channel_id << " " << d.statement_date << " line "
              << d.statement_line << ": ReqSn " << d.orig_req_sn << " debited " << d.statement_amount
              << " (fen), bank txn " << (d.statement_txn_no.empty() ? "-" : d.statement_txn_no)
              << ", recorded " << when(d.statement_recorded_at) << "\n"
              << "told the card center " << d.orig_state
              << (d.orig_resp_code.empty() ? "" : " " + d.orig_resp_code) << " at "
              << when(d.orig_finished_at) << "\n";
  }
  std::cout << "discrepancy: " << d.discrepancy << "\nhistory:\n";
  Table t({"at", "actor", "from", "to", "reason"});
  for (const auto& e : d.history) {
    t.row({when(e.at), e.actor, e.old_state.empty() ? "-" : e.old_state, e.new_state, e.reason});
  }
  t.print(std::cout);
}

int fail(const Error& e) {
  std::cerr << "repay: " << e.to_string() << "\n";
  return 1;
}

const char* kUsage =
    "usage: repay refunds list    --config FILE [--center C] [--date yyyyMMdd] [--reason R] [--state S]\n"
    "                             [--limit N] [--format table|json]\n"
    "       repay refunds show    --config FILE --refund-no N [--format text|json]\n"
    "       repay refunds approve --config FILE --refund-no N --staff LOGIN [--password-file F]\n"
    "                             [--comment TEXT]\n"
    "       repay refunds reject  --config FILE --refund-no N --staff LOGIN [--password-file F]\n"
    "                             --comment TEXT\n"
    "       repay refunds propose --config FILE --center C --txn-no T --amount FEN --staff LOGIN\n"
    "                             [--password-file F] --comment TEXT\n"
    "       repay refunds expire  --config FILE\n"
    "  approve, reject and propose act for a staff member (role reviewer or admin) whose console\n"
    "  password is checked first: the first line of --password-file, or of stdin without it; after\n"
    "  processor.console_max_failed_logins wrong ones in a row the account locks, as in the console.\n"
    "  list     our refund proposals, newest first (--date: made on that CST day)\n"
    "  show     one proposal with its original repayment and the discrepancy behind it\n"
    "  approve  approve a proposal (never your own; two different approvers above\n"
    "           processor.refund_two_approvals_above); the running processor then sends it\n"
    "  reject   reject a pending proposal, with a comment saying why\n"
    "  propose  propose a refund (reason OTHER) of a SUCCESS repayment; another staff member\n"
    "           approves it\n"
    "  expire   expire the proposals pending longer than processor.refund_review_expiry_days\n";

}  // namespace

int cmd_refunds(const Args& args) {
  po::options_description desc("refunds options");
  std::string action, config, center, date, reason, state, refund_no, staff, comment, txn_no;
  std::string password_file, format;
  int64_t amount = 0;
  int limit = 200;
  desc.add_options()("help,h", "show this help")(
      "action", po::value(&action)->required(), "list | show | approve | reject | propose | expire")(
      "config,c", po::value(&config)->required(), "settings file (docs/settings.md)")(
      "center", po::value(&center)->default_value(""), "list: only this card center; propose: its center")(
      "date", po::value(&date)->default_value(""), "list: proposals made on this CST day (yyyyMMdd)")(
      "reason", po::value(&reason)->default_value(""), "list: LATE_SUCCESS, ONE_SIDED or OTHER")(
      "state", po::value(&state)->default_value(""), "list: PENDING_REVIEW, APPROVED, REJECTED, EXPIRED, ...")(
      "limit", po::value(&limit)->default_value(200), "list: at most this many")(
      "refund-no", po::value(&refund_no)->default_value(""), "show, approve, reject: the proposal")(
      "staff", po::value(&staff)->default_value(""), "approve, reject, propose: your login")(
      "comment", po::value(&comment)->default_value(""), "approve: optional; reject, propose: required")(
      "txn-no", po::value(&txn_no)->default_value(""), "propose: the repayment's TxnNo")(
      "amount", po::value(&amount)->default_value(0), "propose: principal to refund, in fen")(
      "password-file", po::value(&password_file)->default_value(""),
      "approve, reject, propose: your console password is its first line (default: stdin)")(
      "format", po::value(&format)->default_value("table"), "list, show: table (text) or json");
  po::positional_options_description pos;
  pos.add("action", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << kUsage << "\n" << desc;
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "repay: " << e.what() << "\n\n" << kUsage << "\n" << desc;
    return 2;
  }
  auto usage = [](const std::string& why) {
    std::cerr << "repay: " << why << "\n" << kUsage;
    return 2;
  };
  if (action != "list" && action != "show" && action != "approve" && action != "reject" &&
      action != "propose" && action != "expire") {
    return usage("unknown refunds action '" + action + "'");
  }
  if ((action == "show" || action == "approve" || action == "reject") && refund_no.empty()) {
    return usage("refunds " + action + " needs --refund-no");
  }
  if ((action == "approve" || action == "reject" || action == "propose") &&
      !settlement::valid_login(staff)) {
    return usage("refunds " + action + " needs --staff LOGIN ([A-Za-z0-9._-]{1,64})");
  }
  if (action == "propose" && (center.empty() || txn_no.empty() || amount <= 0)) {
    return usage("refunds propose needs --center, --txn-no and --amount (fen, > 0)");
  }
  if (!reason.empty() && reason != "LATE_SUCCESS" && reason != "ONE_SIDED" && reason != "OTHER") {
    return usage("--reason must be LATE_SUCCESS, ONE_SIDED or OTHER");
  }
  if (!date.empty() && !parse_date(date)) return usage("--date must be yyyyMMdd");
  if (!valid_format(format)) return usage("--format must be table (or text) or json");
  const bool json = format == "json";

  auto ctx = open_for_command(config);
  if (!ctx) return 1;
  const Settings& settings = ctx->settings;
  settlement::ReviewStore& review = ctx->stores->review();
  const settlement::ReviewPolicy policy{settings.processor.refund_two_approvals_above,
                                        settings.processor.refund_review_expiry_days};
  SystemClock clock;

  // The staff member acting: their console password, the same accounts and lock-out
  // (console/staff_auth.h); viewers only look.
  if (action == "approve" || action == "reject" || action == "propose") {
    auto password = read_password_input(password_file);
    if (!password) return fail(password.error());
    auto& accounts = ctx->stores->console();
    auto check = console::check_staff_password(accounts, staff, *password,
                                               settings.processor.console_max_failed_logins, clock.now());
    if (!check) return fail(check.error());
    using K = console::StaffCheck::Kind;
    if (check->kind == K::kLocked) {
      return fail(make_error("LOCKED",
                             "the account is locked after repeated wrong passwords; an admin unlocks it "
                             "(repay staff unlock)",
                             "--staff", staff));
    }
    if (check->kind == K::kWrong) return fail(make_error("AUTH", "wrong login or password", "--staff", staff));
    if (check->account.role != "reviewer" && check->account.role != "admin") {
      (void)accounts.refused(staff, "refunds " + action + ": role " + check->account.role, clock.now());
      return fail(make_error("AUTH", "refunds " + action + " needs the role reviewer or admin",
                             "--staff", staff + " (" + check->account.role + ")"));
    }
    auto accepted = accounts.password_accepted(
        staff, "password checked by the CLI for refunds " + action, clock.now());
    if (!accepted) return fail(accepted.error());
  }

  if (action == "list") {
    auto rows = review.list_proposals(settlement::ReviewFilter{center, date, reason, state, limit});
    if (!rows) return fail(rows.error());
    if (json) {
      std::vector<std::string> items;
      for (const auto& r : *rows) items.push_back(proposal_json(r).done());
      std::cout << json_array(items) << "\n";
      return 0;
    }
    if (rows->empty()) {
      std::cout << "no refund proposals\n";
      return 0;
    }
    print_list(*rows);
    return 0;
  }
  if (action == "show") {
    auto d = review.show_proposal(refund_no);
    if (!d) return fail(d.error());
    if (!d->has_value()) {
      std::cerr << "repay: no refund proposal " << refund_no << "\n";
      return 1;
    }
    if (json) {
      std::cout << detail_json(**d) << "\n";
    } else {
      print_detail(**d);
    }
    return 0;
  }
  if (action == "approve") {
    // center-api.md, Notifications: refunds we started are notified for information, to the card
    // center's default NotifyUrl (there is no request of theirs to take one from).
    std::string notify_url;
    auto d = review.show_proposal(refund_no);
    if (!d) return fail(d.error());
    if (d->has_value()) {
      auto it = settings.centers.find((*d)->row.center_id);
      if (it != settings.centers.end()) notify_url = it->second.default_notify_url;
    }
    auto r = review.approve(refund_no, staff, comment, notify_url, clock.now(), policy);
    if (!r) return fail(r.error());
    using Kind = settlement::ReviewOutcome::Kind;
    if (r->kind == Kind::kWaitingSecond) {
      std::cout << "refund " << refund_no << ": first approval recorded; a second, different "
                   "approver is needed (above " << policy.two_approvals_above << " fen)\n";
    } else if (r->kind == Kind::kRepeat) {
      std::cout << "refund " << refund_no << ": you approved it already; it is " << realtime::to_text(r->after.state) << "\n";
    } else {
      std::cout << "refund " << refund_no << " APPROVED: " << r->after.debit_amount
                << " fen back to the card; the running processor sends it\n";
    }
    return 0;
  }
  if (action == "reject") {
    auto r = review.reject(refund_no, staff, comment, clock.now());
    if (!r) return fail(r.error());
    std::cout << "refund " << refund_no << " " << realtime::to_text(r->after.state) << "\n";
    return 0;
  }
  if (action == "propose") {
    auto r = review.propose(settlement::NewProposal{center, txn_no, amount, staff, comment}, clock.now());
    if (!r) return fail(r.error());
    std::cout << "refund " << r->refund_no << " proposed (OTHER, " << r->amount
              << " fen of " << r->orig_txn_no << "), pending review by another staff member\n";
    return 0;
  }
  auto expired = review.expire_due(clock.now(), policy);
  if (!expired) return fail(expired.error());
  for (const auto& no : *expired) std::cout << "refund " << no << " EXPIRED\n";
  std::cout << expired->size() << " proposal(s) expired\n";
  return 0;
}

}  // namespace repay::app
