// A card center's side of center-api.md: signs requests with the center's secret, posts XML,
// verifies the signed answer. Used by the demo, the tests and the load generator; it is what a
// card center would build, so it knows nothing of the processor's internals.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace repay::centerclient {

struct CenterClientOptions {
  std::string base_url;       // "http://127.0.0.1:8080" (no trailing slash)
  std::string center_id;      // X-Sender-Id
  std::string secret;         // the center's secret
  std::string processor_id = "PROCESSOR";  // expected X-Sender-Id of answers
  std::string processor_secret;            // usually the same shared secret; verifies answers
  long timeout_ms = 15000;
  std::string ca_file;        // for https
};

struct CenterAnswer {
  int http_status = 0;
  std::map<std::string, std::string> fields;  // the <Response> children, RespCode included
  std::string raw_body;
  bool signature_ok = false;  // the answer's signature verified
  std::string field(const std::string& name) const;  // "" when absent
};

class CenterClient {
 public:
  CenterClient(CenterClientOptions options, const Clock& clock);
  ~CenterClient();
  // POST /api/<tx_code> with <Request> built from fields. Error only when no HTTP answer came
  // (code "IO", message from libcurl). One client per thread.
  Result<CenterAnswer> call(const std::string& tx_code,
                            const std::vector<std::pair<std::string, std::string>>& fields);
  // Lower level, for bad-input tests: send exactly this body with these headers to this path.
  Result<CenterAnswer> raw_post(const std::string& path, const std::string& body,
                                const std::vector<std::pair<std::string, std::string>>& headers);
  // Signs `body` for `path` now and returns the four headers, so a test can alter one.
  std::vector<std::pair<std::string, std::string>> signed_headers(const std::string& path,
                                                                  const std::string& body) const;

 private:
  CenterClientOptions opt_;
  const Clock& clock_;
  void* curl_ = nullptr;
};

}  // namespace repay::centerclient
