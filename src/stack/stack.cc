#include "stack/stack.h"

#include <csignal>
#include <arpa/inet.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crypto/crypto.h"

namespace fs = std::filesystem;

namespace repay::stack {
namespace {

// Secrets of the stack: deterministic per name so a demo run can be repeated; they never leave
// the stack's folder.

Status write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  if (!(out << text)) return make_error("IO", "cannot write file", "", "", path);
  return ok_status();
}

}  // namespace

Result<uint16_t> free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return make_error("IO", "socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    return make_error("IO", "cannot find a free port");
  }
  close(fd);
  return static_cast<uint16_t>(ntohs(a.sin_port));
}

std::string Stack::secret_for(const std::string& name) {
  return crypto::sha256_hex("repay-demo-secret:" + name).substr(0, 48);
}

std::string self_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : p.parent_path().string();
}

Result<std::unique_ptr<Stack>> Stack::start(const StackOptions& options) {
  std::unique_ptr<Stack> s(new Stack(options));
  std::error_code ec;
  fs::remove_all(s->opt_.dir, ec);
  fs::create_directories(s->opt_.dir + "/secrets", ec);
  if (ec) return make_error("IO", "cannot create folder: " + ec.message(), "", s->opt_.dir);
  for (const auto& c : s->opt_.centers) {
    REPAY_TRY(write_text(s->opt_.dir + "/secrets/" + c.id, secret_for(c.id) + "\n"));
    fs::create_directories(s->opt_.dir + "/centers/" + c.id + "/inbox", ec);
    fs::create_directories(s->opt_.dir + "/centers/" + c.id + "/outbox", ec);
  }
  for (const char* ch : {kCollectChannel, kQuickChannel}) {
    REPAY_TRY(write_text(s->opt_.dir + "/secrets/" + ch, secret_for(ch) + "\n"));
  }
  REPAY_TRY(crypto::FieldCipher::create_key_file(s->key_file()));
  // The processor's port is fixed before the simulator starts, so that the simulator's
  // notifications reach it, across restarts too.
  auto api_port = free_port();
  if (!api_port) return api_port.error();
  s->api_port_ = *api_port;
  // The staff console's port is the processor's choice (admin_port = 0), read back from its port
  // file at each start: a port chosen here could be taken by someone else before it is bound.

  std::vector<std::string> argv = {
      s->opt_.banksim_bin, "--listen", "127.0.0.1:0", "--port-file", s->opt_.dir + "/banksim.port",
      "--seed", std::to_string(s->opt_.seed), "--book-size", std::to_string(s->opt_.book_size),
      "--channel", std::string(kCollectChannel) + ",COLLECT,M100001," + s->opt_.dir + "/secrets/" + kCollectChannel,
      "--channel", std::string(kQuickChannel) + ",QUICK,M100002," + s->opt_.dir + "/secrets/" + kQuickChannel,
      "--notify-base", "http://127.0.0.1:" + std::to_string(s->api_port_)};
  for (const auto& a : s->opt_.banksim_args) argv.push_back(a);
  auto sim = Subprocess::spawn(argv, s->opt_.dir + "/banksim.log");
  if (!sim) return sim.error();
  s->banksim_ = std::move(*sim);
  auto port = wait_for_port_file(s->opt_.dir + "/banksim.port", std::chrono::seconds(20), &s->banksim_);
  if (!port) return port.error();
  s->banksim_port_ = *port;
  REPAY_TRY(s->write_settings());
  REPAY_TRY(s->start_processor());
  return s;
}

Stack::~Stack() {
  stop_processor(SIGTERM);
  banksim_.stop(SIGTERM);
}

Status Stack::write_settings() {
  const std::string d = opt_.dir;
  std::string ini;
  ini += "# Generated for a local stack on loopback: bank simulator + processor.\n";
  ini += "[processor]\nid = PROCESSOR\ndatabase = " + database() + "\nkey_file = " + key_file() +
         "\napi_address = 127.0.0.1\napi_port = " + std::to_string(api_port_) + "\nadmin_address = 127.0.0.1\nadmin_port = 0\n" +
         opt_.processor_extra + "\n";
  for (const auto& c : opt_.centers) {
    ini += "[center." + c.id + "]\nname = Card center " + c.id + "\nsecret_file = " + d +
           "/secrets/" + c.id + "\nencoding = " + c.encoding + "\nluhn_check = " +
           (c.luhn_check ? "true" : "false") + "\n";
    if (c.transport.empty()) {
      ini += "transport = local\nlocal_inbox = " + d + "/centers/" + c.id + "/inbox\nlocal_outbox = " +
             d + "/centers/" + c.id + "/outbox\n";
    } else {
      ini += c.transport + "\n";
    }
    if (c.collect) ini += std::string("collect_channel = ") + kCollectChannel + "\n";
    if (c.quick) ini += std::string("quick_channel = ") + kQuickChannel + "\n";
    ini += c.extra + "\n";
  }
  const std::string sim = banksim_url();
  for (auto [id, kind, merchant] : {std::tuple{kCollectChannel, "COLLECT", "M100001"},
                                    std::tuple{kQuickChannel, "QUICK", "M100002"}}) {
    ini += std::string("[channel.") + id + "]\nkind = " + kind + "\nbase_url = " + sim + "/" + id +
           "\nmerchant_id = " + merchant + "\nsecret_file = " + d + "/secrets/" + id + "\n" +
           opt_.channel_extra + "\n" +
           (std::string(id) == kQuickChannel ? opt_.quick_channel_extra + "\n" : std::string()) +
           (std::string(id) == kCollectChannel ? opt_.collect_channel_extra + "\n" : std::string());
  }
  return write_text(settings_file(), ini);
}

Status Stack::start_processor() {
  const std::string port_file = opt_.dir + "/repay.port";
  std::error_code ec;
  fs::remove(port_file, ec);
  auto p = Subprocess::spawn({opt_.repay_bin, "serve", "--config", settings_file(), "--port-file",
                              port_file},
                             opt_.dir + "/repay.log");
  if (!p) return p.error();
  processor_ = std::move(*p);
  auto port = wait_for_port_file(port_file, std::chrono::seconds(20), &processor_);
  if (!port) return port.error();
  if (*port != api_port_) return make_error("IO", "processor listens on another port than configured");
  std::ifstream in(port_file);
  unsigned api = 0, admin = 0;
  if (!(in >> api >> admin) || admin == 0 || admin > 65535) {
    return make_error("IO", "the port file lacks the admin listener's port", "", port_file);
  }
  admin_port_ = static_cast<uint16_t>(admin);
  return ok_status();
}

int Stack::stop_processor(int signal, std::chrono::milliseconds timeout) {
  return processor_.stop(signal, timeout);
}

Status Stack::restart_processor(int signal) {
  stop_processor(signal);
  return start_processor();
}

std::string Stack::api_url() const { return "http://127.0.0.1:" + std::to_string(api_port_); }
std::string Stack::admin_url() const { return "http://127.0.0.1:" + std::to_string(admin_port_); }
std::string Stack::banksim_url() const {
  return "http://127.0.0.1:" + std::to_string(banksim_port_);
}
std::string Stack::center_secret(const std::string& center_id) const { return secret_for(center_id); }

}  // namespace repay::stack
