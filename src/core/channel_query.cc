#include "core/channel_query.h"

namespace repay {

channel::ChannelCall query_call(const std::string& channel_id, const std::string& query_req_sn,
                                const std::string& orig_req_sn, channel::Priority priority) {
  channel::ChannelCall call;
  call.channel_id = channel_id;
  call.tx_code = "QUERY";
  call.req_sn = query_req_sn;
  call.priority = priority;
  call.fields = {{"OrigReqSn", orig_req_sn}};
  return call;
}

}  // namespace repay
