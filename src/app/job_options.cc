#include "app/job_options.h"

#include <filesystem>

#include "app/center_transport.h"
#include "app/channel_endpoints.h"

namespace repay::app {
namespace {

std::string data_dir_of(const Settings& s) {
  return std::filesystem::absolute(s.processor.database).parent_path().string();
}

batch::BatchCenter batch_center_of(const CenterSettings& c) {
  batch::BatchCenter b;
  b.center_id = c.id;
  files::parse_encoding(c.encoding, &b.encoding);
  b.luhn_check = c.luhn_check;
  b.per_item_limit = c.per_item_limit;
  b.limits.max_items = c.max_batch_items;
  b.limits.max_bytes = c.max_batch_bytes;
  b.timing.send_from_minutes = c.send_from_minutes;
  b.timing.return_deadline_minutes = c.return_deadline_minutes;
  b.timing.force_fail_lead_minutes = c.force_fail_lead_minutes;
  b.fee_collect = c.fee_collect;
  b.fee_quick = c.fee_quick;
  return b;
}

}  // namespace

batch::BatchJobsOptions batch_jobs_options(const Settings& settings) {
  batch::BatchJobsOptions o;
  o.node = settings.processor.id;
  o.data_dir = data_dir_of(settings);
  for (const auto& [id, c] : settings.centers) {
    batch::BatchJobsCenter bc;
    bc.batch = batch_center_of(c);
    bc.active = c.active;
    bc.transport = transport_of(c);
    bc.poll_interval = c.poll_interval;
    bc.poll_window_start_minutes = c.poll_window_start_minutes;
    bc.poll_window_end_minutes = c.poll_window_end_minutes;
    o.centers.emplace(id, std::move(bc));
  }
  for (const auto& [id, ch] : settings.channels) {
    o.channels.emplace(id, batch::BatchJobsChannel{ch.max_inflight, ch.realtime_share});
  }
  return o;
}

settlement::SettleJobsOptions settle_jobs_options(const Settings& settings) {
  settlement::SettleJobsOptions o;
  o.data_dir = data_dir_of(settings);
  o.catch_up_days = settings.processor.settle_catch_up_days;
  o.tick = settings.processor.settle_tick;
  o.review = {settings.processor.refund_two_approvals_above,
              settings.processor.refund_review_expiry_days};
  for (const auto& [id, c] : settings.centers) {
    settlement::SettleJobsCenter sc;
    sc.id = c.id;
    sc.active = c.active;
    files::parse_encoding(c.encoding, &sc.encoding);
    sc.settlement_mode = c.settlement_mode;
    sc.posting_grace_days = c.posting_grace_days;
    sc.business_days_only = c.business_days_only;
    sc.publish_time = c.publish_time;
    sc.posting_expected_by = c.posting_expected_by;
    sc.poll_interval = c.poll_interval;
    sc.collect_channel = c.collect_channel;
    sc.quick_channel = c.quick_channel;
    sc.pays_fees = !c.fee_collect.cardholder_pays() || !c.fee_quick.cardholder_pays();
    sc.transport = transport_of(c);
    o.centers.emplace(id, std::move(sc));
  }
  for (const auto& [id, ch] : settings.channels) {
    o.channels.emplace(id, settlement::SettleJobsChannel{ch.statement_last_time, ch.suspense_days,
                                                         ch.statement_retry});
  }
  return o;
}

Result<std::unique_ptr<channel::ChannelClient>> statement_client(const Settings& settings,
                                                                 const Clock& clock) {
  auto endpoints = channel_endpoints(settings);
  if (!endpoints) return endpoints.error();
  return std::make_unique<channel::ChannelClient>(std::move(*endpoints), clock);
}

settlement::StatementFetch statement_fetch(channel::ChannelClient* client) {
  if (!client) return {};
  return [client](const std::string& channel, Date day) { return client->fetch_statement(channel, day); };
}

}  // namespace repay::app
