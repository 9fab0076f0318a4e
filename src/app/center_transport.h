// The file transport of a card center from its settings (files.md, Exchange with card centers):
// SFTP or local folders. Shared by the batch jobs (REPAY_ in, RET_ out) and the T+1 jobs (POST_
// in, RECON_/SETTLE_/FEE_ out).
#pragma once

#include <memory>

#include "settings/settings.h"
#include "transport/transport.h"

namespace repay::app {

std::unique_ptr<transport::FileTransport> transport_of(const CenterSettings& c);

// True for inbox files that belong to T+1 settlement (POST_<centerId>_<date>.txt), which the
// batch pull leaves alone.
bool is_settlement_inbox_file(const std::string& name);

}  // namespace repay::app
