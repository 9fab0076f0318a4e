#include "simulator/service.h"

#include <cstdlib>

#include "core/log.h"
#include "wire/signature.h"

namespace repay::sim {
namespace {

server::HttpResponse text(int status, std::string body) {
  server::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

}  // namespace

std::string query_param(std::string_view query, std::string_view name) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    std::string_view pair = query.substr(start, amp == query.npos ? query.npos : amp - start);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == pair.npos ? "" : decode(pair.substr(eq + 1));
    if (amp == query.npos) break;
    start = amp + 1;
  }
  return {};
}

BankService::BankService(Bank bank, ServiceOptions options, OffsetClock& clock)
    : bank_(std::move(bank)),
      options_(std::move(options)),
      clock_(clock),
      faults_(options_.faults),
      dice_(options_.seed ^ 0xfa17u),
      notifier_(
          [&] {
            NotifierOptions n = options_.notifier;
            n.base_url = options_.notify_base;
            return n;
          }(),
          [this](const std::string& id, std::string_view target, std::string_view body) {
            Channel& ch = channels_.at(id);
            return wire::sign_message(ch.config.secrets.at(0), id, clock_of(ch), target, body);
          }) {
  for (const ChannelConfig& c : options_.channels) channels_[c.spec.id].config = c;
}

BankService::~BankService() { stop(); }

void BankService::start() {
  server::HttpServerOptions o;
  o.address = options_.address;
  o.port = options_.port;
  o.threads = options_.threads;
  server_ = std::make_unique<server::HttpServer>(
      o, [this](Request&& req, server::Respond respond) { handle(std::move(req), respond); });
  server_->start();
}

uint16_t BankService::port() const { return server_ ? server_->port() : 0; }  // 0 once stopped

void BankService::stop() {
  scheduler_.stop();  // late results are settled now
  if (server_) {
    server_->stop();  // delayed answers go out now
    server_.reset();
  }
  notifier_.stop();
}

const Clock& BankService::clock_of(const Channel& ch) const {
  if (ch.peer_on_sim_clock.load()) return clock_;
  return real_clock_;
}

void BankService::handle(Request&& req, server::Respond respond) {
  std::string path = req.path();
  if (path.rfind("/sim/", 0) == 0) {
    respond(handle_sim(req));
    return;
  }
  // /<channelId>/gateway, /<channelId>/statement
  size_t slash = path.find('/', 1);
  std::string id = slash == path.npos ? "" : path.substr(1, slash - 1);
  std::string what = slash == path.npos ? "" : path.substr(slash + 1);
  auto ch = channels_.find(id);
  if (ch == channels_.end() || (what != "gateway" && what != "statement")) {
    respond(text(404, "not found\n"));
    return;
  }
  if (what == "gateway") {
    if (req.method != "POST") return respond(text(405, "POST only\n"));
    gateway(ch->second, std::move(req), respond);
  } else {
    if (req.method != "GET") return respond(text(405, "GET only\n"));
    respond(statement(ch->second, req));
  }
}

server::HttpResponse BankService::handle_sim(const Request& req) {
  const std::string path = req.path();
  const bool get = req.method == "GET";
  const bool post = req.method == "POST";
  if (get && path == "/sim/health") return text(200, "ok\n");
  if (get && path == "/sim/notifications") return text(200, notifier_.log());
  if (path == "/sim/faults" && (get || post)) {
    std::lock_guard lock(faults_mu_);
    if (post) {
      Status s = apply_fault_lines(faults_, req.body);
      if (!s.ok()) return text(400, s.error().to_string() + "\n");
      log::info("sim_faults", {{"faults", format_faults(faults_)}});
    }
    return text(200, format_faults(faults_));
  }
  if (path == "/sim/clock" && (get || post)) {
    if (post) {
      std::string v = req.body;
      while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
      const std::string key = "offset-seconds=";
      char* end = nullptr;
      long long secs = v.rfind(key, 0) == 0 ? std::strtoll(v.c_str() + key.size(), &end, 10) : 0;
      if (!end || *end != '\0' || v.size() == key.size()) {
        return text(400, "expected offset-seconds=N\n");
      }
      clock_.set_offset(std::chrono::seconds(secs));
    }
    return text(200, "offset-seconds=" + std::to_string(clock_.offset().count()) +
                         "\nnow=" + format_cst_timestamp(clock_.now()) + "\n");
  }
  std::lock_guard lock(bank_mu_);
  if (get && path == "/sim/book") return text(200, bank_.book_file());
  if (get && path == "/sim/ledger") return text(200, bank_.ledger());
  if (get && path == "/sim/balances") return text(200, bank_.balances());
  std::string mobile = query_param(req.query(), "mobile");
  if (get && path == "/sim/sms") {
    auto code = bank_.sms_code(mobile);
    return code ? text(200, *code) : text(404, "no code\n");
  }
  if (post && path == "/sim/sms/expire") {
    return bank_.expire_sms(mobile, clock_.now()) ? text(200, "ok\n") : text(404, "no code\n");
  }
  return text(404, "not found\n");
}

}  // namespace repay::sim
