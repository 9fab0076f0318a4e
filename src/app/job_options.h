// The wiring's half of the batch and T+1 jobs: their options from the settings file, the card
// centers' file transports and the channels' statements (the jobs themselves are
// batch/jobs/batch_jobs.h and settlement/jobs/settle_jobs.h; they never see Settings).
#pragma once

#include <memory>

#include "batch/jobs/batch_jobs.h"
#include "channel/channel_client.h"
#include "core/clock.h"
#include "settings/settings.h"
#include "settlement/jobs/settle_jobs.h"

namespace repay::app {

using namespace repay::settings;  // the binary reads its settings by their own names

batch::BatchJobsOptions batch_jobs_options(const Settings& settings);
settlement::SettleJobsOptions settle_jobs_options(const Settings& settings);

// A channel client for the statements of every channel in the settings (CLI steps).
Result<std::unique_ptr<channel::ChannelClient>> statement_client(const Settings& settings,
                                                                 const Clock& clock);
// The client's statements as the T+1 jobs take them; empty when `client` is null.
settlement::StatementFetch statement_fetch(channel::ChannelClient* client);

}  // namespace repay::app
