// The fuzz entry points of targets.h. Parsers that read a file get the bytes through one scratch
// file per process (the parsers stream from disk; that is the path worth fuzzing).
#include "fuzz/targets.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "settings/ini.h"
#include "batch/batch_file.h"
#include "channel/channel_notify.h"
#include "core/clock.h"
#include "files/text.h"
#include "settlement/posting.h"
#include "settlement/statement.h"
#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::fuzz {
namespace {

std::string_view bytes(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The scratch file: /tmp/repay-fuzz-<pid>.txt, rewritten for every input.
const std::string& scratch(std::string_view content) {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/repay-fuzz-" + std::to_string(getpid()) + ".txt";
  }();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    std::perror(path.c_str());
    std::abort();  // not the parser's fault: stop rather than fuzz nothing
  }
  return path;
}

// A property that must hold was broken: crash so libFuzzer keeps the input.
void require(bool holds, const char* what) {
  if (!holds) {
    std::fprintf(stderr, "fuzz property broken: %s\n", what);
    std::abort();
  }
}

const Date kDay(2026, boost::gregorian::Nov, 21);

// Lines of the input: the first `n` lines (without '\n') into out[0..n-1], the rest into rest.
void cut_lines(std::string_view in, std::string* out, size_t n, std::string* rest) {
  for (size_t i = 0; i < n; ++i) {
    size_t p = in.find('\n');
    out[i] = std::string(in.substr(0, p));
    in = p == std::string_view::npos ? std::string_view() : in.substr(p + 1);
  }
  *rest = std::string(in);
}

}  // namespace

int batch_file(const uint8_t* data, size_t size) {
  const std::string& path = scratch(bytes(data, size));
  const std::string name = "REPAY_CC01_20261121_B001.txt";
  // Small limits so F5 is reachable too.
  const batch::BatchLimits limits{64, 1 << 20};
  for (files::Encoding enc : {files::Encoding::kUtf8, files::Encoding::kGbk}) {
    batch::BatchCheck check = batch::check_batch_file(path, name, "CC01", enc, limits);
    require(!check.status.empty(), "batch check without a status");
    // Pass 2 runs whatever pass 1 said: the file may change between the passes.
    int64_t lines = 0;
    auto st = batch::read_batch_lines(path, enc, [&](const batch::BatchLine& l) {
      ++lines;
      require(l.line_no >= 2, "batch line number");
      return ok_status();
    });
    if (check.status == "00") {
      require(st.ok(), "pass 2 failed on a file pass 1 accepted");
      require(lines == check.detail_count, "pass 2 read another count than pass 1");
    }
  }
  (void)batch::parse_batch_name(std::string(bytes(data, size)));
  return 0;
}

int statement(const uint8_t* data, size_t size) {
  const std::string& path = scratch(bytes(data, size));
  auto reader = files::LineReader::open(path, files::Encoding::kUtf8);
  require(reader.ok(), "open the scratch file");
  settlement::Statement st;
  auto errors = settlement::read_statement(**reader, "STMT_CH01_20261121.txt", "CH01", kDay, &st, 20);
  require(errors.size() <= 21, "more errors than max_errors + 1");
  if (errors.empty()) {
    require(st.count == static_cast<int64_t>(st.lines.size()), "statement count");
    for (const auto& l : st.lines) require(l.amount > 0 && !l.req_sn.empty(), "statement line");
  }
  return 0;
}

int posting(const uint8_t* data, size_t size) {
  const std::string& path = scratch(bytes(data, size));
  for (files::Encoding enc : {files::Encoding::kUtf8, files::Encoding::kGbk}) {
    settlement::PostingCheck check =
        settlement::check_posting_file(path, "POST_CC01_20261121.txt", "CC01", enc);
    require(check.errors.size() <= settlement::kMaxPostingErrors + 1, "posting errors bounded");
    int64_t lines = 0;
    auto st = settlement::read_posting_lines(path, enc, [&](const settlement::PostingLine&) {
      ++lines;
      return ok_status();
    });
    if (check.ok()) {
      require(st.ok(), "posting pass 2 failed on a file pass 1 accepted");
      require(lines == check.detail_count, "posting pass 2 count");
    }
  }
  (void)settlement::parse_posting_name(std::string(bytes(data, size)));
  return 0;
}

int xml(const uint8_t* data, size_t size) {
  auto msg = wire::parse_xml_message(bytes(data, size));
  if (!msg.ok()) {
    require(msg.error().code == "2007", "XML error code");
    return 0;
  }
  // What we build from a message reads back as the same message (empty fields are absent).
  std::vector<std::pair<std::string, std::string>> fields(msg->fields.begin(), msg->fields.end());
  auto again = wire::parse_xml_message(wire::build_xml_message(msg->root, fields));
  if (again.ok()) {
    require(again->root == msg->root && again->fields == msg->fields, "XML round trip");
  }
  return 0;
}

int signature(const uint8_t* data, size_t size) {
  // Lines: sender, timestamp, nonce, signature, target; the rest is the body.
  std::string f[5], body;
  cut_lines(bytes(data, size), f, 5, &body);
  const ManualClock clock(cst_time_on(kDay, 12 * 60));
  const std::vector<std::string> secrets = {"fuzz-secret-current", "fuzz-secret-next"};
  wire::SignedHeaders h{f[0], f[1], f[2], f[3]};
  (void)wire::verify_message(h, secrets, clock, f[4], body);
  // Signed for real: only the form of the headers or the clock may refuse it.
  h.signature = wire::signature_of(secrets[1], h, f[4], body);
  const wire::SignatureCheck c = wire::verify_message(h, secrets, clock, f[4], body);
  require(c != wire::SignatureCheck::kBadSignature, "a true signature refused");
  std::map<std::string, std::string> headers = {{"x-sender-id", h.sender_id},
                                                {"x-timestamp", h.timestamp},
                                                {"x-nonce", h.nonce},
                                                {"x-signature", h.signature}};
  auto note = channel::parse_channel_notify(h.sender_id, headers, f[4], body, secrets, clock);
  if (note.ok()) require(c == wire::SignatureCheck::kOk, "a notify accepted with a bad signature");
  headers["x-signature"] = f[3];
  (void)channel::parse_channel_notify("CH01", headers, f[4], body, secrets, clock);
  return 0;
}

int settings(const uint8_t* data, size_t size) {
  settings::IniDocument doc;
  (void)settings::parse_ini(bytes(data, size), "fuzz.ini", &doc);
  return 0;
}

}  // namespace repay::fuzz
