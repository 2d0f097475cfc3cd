// SPDX-License-Identifier: Apache-2.0
// The routes of the HTTP API (shared/spec/daemon.md, "HTTP API"): matching,
// bearer-token authentication and roles, and the answers, taken from the core
// through a CoreClient. Knows nothing of sockets: the session reads a request,
// asks Handle() and writes what it returns (for a reload, what Reload() later
// hands it).
// Thread rules: used on the HTTP server's thread only (a reload runs elsewhere,
// through StartReload).
//
// Status codes: unknown route 404; known route, other method 405 (with Allow);
// no or unknown token 401 {"error":"unauthorized"} (WWW-Authenticate: Bearer);
// token without the role 403 {"error":"forbidden"}; bad query or body 400;
// core errors keep the core's status (404 unknown alert, 409 a change the
// alert's status does not allow); the core not answering 503. Reload: 200 when
// the new rules are in, 422 when they were refused (the old rules stay), 503
// without a reload callback. /api/v1/silences (notifier.md): GET lists, POST adds
// (201), DELETE /api/v1/silences/{id} ends one; the core answers 409 without a
// notifier. A single posted event: see
// EventStatus.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/event_decoder.h"
#include "daemon/http/core_client.h"
#include "daemon/http/tokens.h"

namespace vigia::daemon::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;

// Body limits: events may come in batches; every other body is a small object.
inline constexpr size_t kMaxEventsBody = 1 << 20;
inline constexpr size_t kMaxOtherBody = 64 << 10;
// The route's body limit, from the request target alone (before the body is read).
size_t BodyLimitFor(std::string_view target);

// The HTTP status of the reply to ONE posted event (an array always gets 200
// with one reply per event): accepted or duplicate 200; malformed_json,
// invalid_event, unknown_region, unknown_group, future_event 400; too_large
// 413; duplicate_conflict 409; unauthorized 403; overloaded 503.
unsigned EventStatus(const std::optional<ErrorCode>& error);

// Counters of the HTTP side, exported after the core's on /metrics.
struct HttpStats {
  std::map<unsigned, uint64_t> responses;  // by status code
  uint64_t stream_clients = 0;             // open SSE streams (a gauge)
  uint64_t stream_dropped = 0;             // SSE clients dropped for falling behind
  uint64_t internal_errors = 0;            // exceptions caught at a handler boundary
};

struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
  // GET /api/v1/stream, authorized: the session turns into an SSE stream,
  // which lasts as long as the token that opened it (`stream_token`, its hash)
  // keeps the viewer role.
  bool stream = false;
  Sha256 stream_token{};
  // POST /api/v1/rules/reload, authorized: not answered yet. The session asks
  // Api::Reload(), which answers later; other connections are served meanwhile.
  bool reload = false;
};

// A JSON error response {"error": message}.
ApiResponse ErrorResponse(unsigned status, std::string_view message);

class Api {
 public:
  // Runs the reload off the server's thread, then calls `done` on the server's
  // thread with its result: {"ok":...} as HttpServer::ReloadFn returns it, or
  // empty if it threw. Empty function: the server cannot reload (503).
  using StartReload = std::function<void(std::function<void(std::string)> done)>;
  // Every argument must outlive the Api. `tokens` may be reassigned between
  // two calls of Handle (SIGHUP).
  Api(CoreClient& core, const TokenTable& tokens, const StartReload& reload, HttpStats& stats)
      : core_(core), tokens_(tokens), reload_(reload), stats_(stats) {}

  // Answers one request. Never throws: a failure is a 500, counted. A response
  // with `reload` set is no answer yet: the caller then calls Reload().
  ApiResponse Handle(const Request& request);
  // Starts the reload that Handle() asked for and returns at once. `reply` is
  // called once, later, on the server's thread, with the answer: 200 when the
  // new rules are in, 422 when they were refused, 500 when the reload failed.
  void Reload(std::function<void(ApiResponse)> reply);
  // Answers a request whose body is over BodyLimitFor (only its header was
  // read): 413, and for POST /api/v1/events by an authorized token, in the
  // shape of events.md (`too_large`), counted and dead-lettered like any
  // rejected event. Never throws.
  ApiResponse TooLarge(const Request& header, uint64_t body_bytes);

 private:
  ApiResponse Route(const Request& request);
  // The request's bearer token when it grants `need` (set in `token`);
  // otherwise the 401 or 403 to answer.
  std::optional<ApiResponse> Authorize(const Request& request, Role need, const TokenEntry** token);
  ApiResponse PostEvents(const Request& request, const TokenEntry& token);
  ApiResponse ListAlerts(std::string_view query);
  ApiResponse ChangeAlert(const std::string& op, const std::string& id, const Request& request);
  ApiResponse Silences(const Request& request, const std::string& id, const TokenEntry& token);
  ApiResponse ReloadResponse(const std::string& result);
  ApiResponse Metrics();
  ApiResponse FromCore(const boost::json::object& query);

  CoreClient& core_;
  const TokenTable& tokens_;
  const StartReload& reload_;
  HttpStats& stats_;
};

}  // namespace vigia::daemon::http
