// The file transport of a card center from its settings (files.md, Exchange with card centers):
// SFTP or local folders. Shared by the batch jobs (REPAY_ in, RET_ out) and the T+1 jobs (POST_
// in, RECON_/SETTLE_/FEE_ out).
#pragma once

#include <memory>

#include "settings/settings.h"
#include "transport/transport.h"

namespace repay::app {

using namespace repay::settings;  // the binary reads its settings by their own names

std::unique_ptr<transport::FileTransport> transport_of(const CenterSettings& c);

}  // namespace repay::app
