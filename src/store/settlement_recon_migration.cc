#include "store/settlement_recon_migration.h"

namespace repay::store {

const char* recon_live_migration() {
  return R"SQL(
ALTER TABLE recon_state ADD COLUMN moving INTEGER NOT NULL DEFAULT 0;
-- Rows whose day may differ from their record's day now: the record was processing when they
-- were written (the copy said P, the run acted on a processing record, or the copy's day moved
-- since). The day's load reads these by ReqSn, whatever their day.
UPDATE recon_state SET moving = 1 WHERE status IN ('OPEN', 'BANK_DONE_OURS_PENDING') OR EXISTS (
  SELECT 1 FROM recon_ours o WHERE o.channel_id = recon_state.channel_id
  AND o.req_sn = recon_state.req_sn AND (o.state = 'P' OR o.day <> recon_state.day));
CREATE INDEX recon_state_day ON recon_state(channel_id, day);
CREATE INDEX recon_state_moving ON recon_state(channel_id) WHERE moving = 1;
DELETE FROM recon_ours WHERE NOT EXISTS (SELECT 1 FROM recon_state s
  WHERE s.channel_id = recon_ours.channel_id AND s.req_sn = recon_ours.req_sn);
)SQL";
}

}  // namespace repay::store
