// One accepted connection: reads a request at a time, hands it to the handler, writes the answer
// when the handler's Respond is called (from any thread), then waits for the next request
// (keep-alive). Internal to src/server.
#pragma once

#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "server/server_state.h"

namespace repay::server::detail {

// Both take a socket whose executor is a strand of its own (accepted with make_strand), so a
// connection's handlers never run concurrently. They return at once; the session keeps itself
// alive through the operations it has pending and the Respond callbacks it has handed out.
void start_plain_session(std::shared_ptr<ServerState> state, boost::asio::ip::tcp::socket socket);
// state->tls must be set.
void start_tls_session(std::shared_ptr<ServerState> state, boost::asio::ip::tcp::socket socket);

}  // namespace repay::server::detail
