#include "app/center_transport.h"

namespace repay::app {

std::unique_ptr<transport::FileTransport> transport_of(const CenterSettings& c) {
  if (c.transport == "sftp") {
    transport::SftpOptions o;
    o.host = c.sftp_host;
    o.port = c.sftp_port;
    o.user = c.sftp_user;
    if (!c.sftp_password.file.empty() || !c.sftp_password.env.empty()) {
      auto pw = resolve_secret(c.sftp_password, "center." + c.id + ".sftp_password");
      if (pw) o.password = *pw;
    }
    o.private_key_file = c.sftp_private_key_file;
    o.public_key_file = c.sftp_public_key_file;
    o.known_hosts_file = c.sftp_known_hosts_file;
    o.inbox = c.sftp_inbox;
    o.outbox = c.sftp_outbox;
    return transport::make_sftp_transport(o);
  }
  return transport::make_local_transport({c.local_inbox, c.local_outbox});
}

}  // namespace repay::app
