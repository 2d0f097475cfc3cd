// SPDX-License-Identifier: Apache-2.0
#include "daemon/http/api.h"

#include <array>
#include <cctype>

#include "daemon/http/event_batch.h"

namespace vigia::daemon::http {
namespace {

namespace bhttp = boost::beast::http;

enum class Op {
  kHealth, kMetrics, kEvents, kAlerts, kAlert, kAck, kResolve, kRules, kReload, kDeadLetters,
  kStream, kSilences,
};

struct RouteMatch {
  Op op;
  std::optional<Role> need;           // unset: no token needed
  std::vector<bhttp::verb> methods;
  std::string id;                     // {id} of /api/v1/alerts/{id}..., percent-decoded
};

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = HexDigit(s[i + 1]), lo = HexDigit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(plus_is_space && s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

std::optional<RouteMatch> MatchRoute(std::string_view path) {
  using V = bhttp::verb;
  if (path.empty() || path.front() != '/') return std::nullopt;
  const std::vector<std::string_view> seg = Split(path.substr(1), '/');
  if (seg.size() == 1 && seg[0] == "healthz") return RouteMatch{Op::kHealth, {}, {V::get}, ""};
  if (seg.size() == 1 && seg[0] == "metrics") return RouteMatch{Op::kMetrics, {}, {V::get}, ""};
  if (seg.size() < 3 || seg[0] != "api" || seg[1] != "v1") return std::nullopt;
  const std::string_view name = seg[2];
  const size_t n = seg.size();
  if (n == 3 && name == "events") return RouteMatch{Op::kEvents, Role::kIntegrator, {V::post}, ""};
  if (n == 3 && name == "alerts") return RouteMatch{Op::kAlerts, Role::kViewer, {V::get}, ""};
  if (n == 3 && name == "rules") return RouteMatch{Op::kRules, Role::kViewer, {V::get}, ""};
  if (n == 4 && name == "rules" && seg[3] == "reload")
    return RouteMatch{Op::kReload, Role::kAdmin, {V::post}, ""};
  if (n == 3 && name == "deadletters")
    return RouteMatch{Op::kDeadLetters, Role::kOperator, {V::get}, ""};
  if (n == 3 && name == "stream") return RouteMatch{Op::kStream, Role::kViewer, {V::get}, ""};
  if (n == 3 && name == "silences")
    return RouteMatch{Op::kSilences, Role::kOperator, {V::get, V::post}, ""};
  if (n == 4 && !seg[3].empty() && name == "silences") {
    auto id = PercentDecode(seg[3], false);
    if (!id) return std::nullopt;
    return RouteMatch{Op::kSilences, Role::kOperator, {V::delete_}, std::move(*id)};
  }
  if (name != "alerts" || n < 4 || n > 5 || seg[3].empty()) return std::nullopt;
  auto id = PercentDecode(seg[3], false);
  if (!id) return std::nullopt;
  if (n == 4) return RouteMatch{Op::kAlert, Role::kViewer, {V::get}, std::move(*id)};
  if (seg[4] == "ack") return RouteMatch{Op::kAck, Role::kOperator, {V::post}, std::move(*id)};
  if (seg[4] == "resolve") return RouteMatch{Op::kResolve, Role::kOperator, {V::post}, std::move(*id)};
  return std::nullopt;
}

// The token of "Authorization: Bearer <token>" (scheme case-insensitive), or empty.
std::string_view BearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return {};
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

ApiResponse Json(unsigned status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

size_t BodyLimitFor(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  return path == "/api/v1/events" ? kMaxEventsBody : kMaxOtherBody;
}

unsigned EventStatus(const std::optional<ErrorCode>& error) {
  if (!error) return 200;
  switch (*error) {
    case ErrorCode::kTooLarge: return 413;
    case ErrorCode::kDuplicateConflict: return 409;
    case ErrorCode::kUnauthorized: return 403;
    case ErrorCode::kOverloaded: return 503;
    case ErrorCode::kMalformedJson:
    case ErrorCode::kInvalidEvent:
    case ErrorCode::kUnknownRegion:
    case ErrorCode::kUnknownGroup:
    case ErrorCode::kFutureEvent: return 400;
  }
  return 400;
}

ApiResponse ErrorResponse(unsigned status, std::string_view message) {
  boost::json::object o;
  o["error"] = message;
  return Json(status, boost::json::serialize(o));
}

ApiResponse Api::Handle(const Request& request) {
  try {
    return Route(request);
  } catch (const std::exception&) {
    // No message: it could quote the request. The counter tells operators.
  } catch (...) {
  }
  ++stats_.internal_errors;
  return ErrorResponse(500, "internal error");
}

std::optional<ApiResponse> Api::Authorize(const Request& request, Role need,
                                          const TokenEntry** token) {
  *token = tokens_.Find(BearerToken(request[bhttp::field::authorization]));
  if (!*token) {
    ApiResponse r = ErrorResponse(401, "unauthorized");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"vigia\"");
    return r;
  }
  if (!Grants((*token)->role, need)) return ErrorResponse(403, "forbidden");
  return std::nullopt;
}

ApiResponse Api::Route(const Request& request) {
  const std::string_view target = request.target();
  const size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query = question == std::string_view::npos ? "" : target.substr(question + 1);
  std::optional<RouteMatch> route = MatchRoute(path);
  if (!route) return ErrorResponse(404, "no such route");
  bool allowed = false;
  std::string allow;
  for (bhttp::verb v : route->methods) {
    allowed = allowed || v == request.method();
    allow += (allow.empty() ? "" : ", ") + std::string(bhttp::to_string(v));
  }
  if (!allowed) {
    ApiResponse r = ErrorResponse(405, "method not allowed");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  const TokenEntry* token = nullptr;
  if (route->need)
    if (auto refused = Authorize(request, *route->need, &token)) return std::move(*refused);
  switch (route->op) {
    case Op::kHealth: return Json(200, R"({"status":"ok"})");
    case Op::kMetrics: return Metrics();
    case Op::kEvents: return PostEvents(request, *token);
    case Op::kAlerts: return ListAlerts(query);
    case Op::kAlert: return FromCore({{"op", "alert"}, {"id", route->id}});
    case Op::kAck: return ChangeAlert("ack", route->id, request);
    case Op::kResolve: return ChangeAlert("resolve", route->id, request);
    case Op::kRules: return FromCore({{"op", "rules"}});
    case Op::kReload: {
      if (!reload_) return ErrorResponse(503, "rule reload is not available");
      ApiResponse r;
      r.reload = true;  // answered by Reload(), off this thread
      return r;
    }
    case Op::kDeadLetters: return FromCore({{"op", "deadletters"}});
    case Op::kStream: {
      ApiResponse r;
      r.stream = true;
      r.stream_token = token->sha256;
      return r;
    }
    case Op::kSilences: return Silences(request, route->id, *token);
  }
  return ErrorResponse(404, "no such route");
}

ApiResponse Api::TooLarge(const Request& header, uint64_t body_bytes) {
  try {
    const std::string_view target = header.target();
    std::optional<RouteMatch> route = MatchRoute(target.substr(0, target.find('?')));
    if (!route || route->op != Op::kEvents || header.method() != bhttp::verb::post)
      return ErrorResponse(413, "request body too large");
    const TokenEntry* token = nullptr;
    if (auto refused = Authorize(header, Role::kIntegrator, &token)) return std::move(*refused);
    EventError error{ErrorCode::kTooLarge, "", "",
                     "the request body" + (body_bytes ? " (" + std::to_string(body_bytes) + " bytes)" : std::string()) +
                         " is over the limit of " + std::to_string(kMaxEventsBody) + " bytes"};
    core_.DeadLetter("", error);
    return Json(413, RenderError(error));
  } catch (const std::exception&) {
    ++stats_.internal_errors;
    return ErrorResponse(500, "internal error");
  }
}

ApiResponse Api::PostEvents(const Request& request, const TokenEntry& token) {
  const std::string& body = request.body();
  EventBatch batch = SplitEvents(body);
  if (!batch.error.empty()) {
    EventError error{ErrorCode::kMalformedJson, "", "",
                     batch.error + " at byte " + std::to_string(batch.error_offset)};
    core_.DeadLetter(body, error);
    return Json(400, RenderError(error));
  }
  std::vector<EventReply> replies = core_.PostEvents(batch.items, token);
  if (!batch.is_array) {
    ApiResponse r = Json(EventStatus(replies.at(0).error), std::move(replies[0].json));
    if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  std::string out = "[";
  for (size_t i = 0; i < replies.size(); ++i) out += (i ? "," : "") + replies[i].json;
  return Json(200, out + "]");
}

ApiResponse Api::ListAlerts(std::string_view query) {
  static constexpr std::array<const char*, 5> kFilters = {"status", "region", "group", "level", "since"};
  boost::json::object q;
  q["op"] = "alerts";
  if (!query.empty()) {
    for (std::string_view pair : Split(query, '&')) {
      if (pair.empty()) continue;
      const size_t eq = pair.find('=');
      auto key = PercentDecode(pair.substr(0, eq), true);
      auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
      if (!key || !value) return ErrorResponse(400, "bad percent-encoding in the query");
      bool known = false;
      for (const char* f : kFilters) known = known || *key == f;
      if (!known)
        return ErrorResponse(400, "unknown query parameter '" + *key +
                                      "'; filters are status, region, group, level and since");
      if (q.contains(*key)) return ErrorResponse(400, "query parameter '" + *key + "' given twice");
      if (!value->empty()) q[*key] = *value;  // `status=` means no filter
    }
  }
  return FromCore(q);
}

ApiResponse Api::ChangeAlert(const std::string& op, const std::string& id, const Request& request) {
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(request.body(), ec);
  if (ec || !body.is_object())
    return ErrorResponse(400, R"(expected a JSON object {"by": "...", "note": "..."})");
  boost::json::object q;
  q["op"] = op;
  q["id"] = id;
  for (const auto& [key, value] : body.as_object()) {
    if (key != "by" && key != "note")
      return ErrorResponse(400, "unknown key '" + std::string(key) + "'; the body has by and note");
    if (!value.is_string()) return ErrorResponse(400, std::string(key) + ": expected a string");
    q[key] = value;
  }
  return FromCore(q);
}

ApiResponse Api::Silences(const Request& request, const std::string& id, const TokenEntry& token) {
  if (request.method() == bhttp::verb::get) return FromCore({{"op", "silences"}});
  if (request.method() == bhttp::verb::post) {
    QueryResult result = core_.Query({{"op", "silence_add"}, {"body", request.body()}});
    if (result.status != 200) return ErrorResponse(static_cast<unsigned>(result.status), result.error);
    return Json(201, boost::json::serialize(result.body));
  }
  // DELETE /api/v1/silences/{id}: optional body {"by": "..."}; else the token's name.
  std::string by = token.name;
  if (!request.body().empty()) {
    boost::system::error_code ec;
    const boost::json::value body = boost::json::parse(request.body(), ec);
    const boost::json::object* o = ec ? nullptr : body.if_object();
    if (!o) return ErrorResponse(400, R"(expected a JSON object {"by": "..."} or no body)");
    for (const auto& [key, value] : *o) {
      if (key != "by") return ErrorResponse(400, "unknown key '" + std::string(key) + "'; the body has by");
      if (!value.is_string() || value.as_string().empty()) return ErrorResponse(400, "by: expected a non-empty string");
      by = std::string(value.as_string());
    }
  }
  return FromCore({{"op", "silence_end"}, {"id", id}, {"by", by}});
}

void Api::Reload(std::function<void(ApiResponse)> reply) {
  reload_([this, reply = std::move(reply)](std::string result) { reply(ReloadResponse(result)); });
}

ApiResponse Api::ReloadResponse(const std::string& result) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(result, ec);
  const boost::json::object* o = ec ? nullptr : v.if_object();
  const boost::json::value* ok = o ? o->if_contains("ok") : nullptr;
  if (!ok || !ok->is_bool()) {
    ++stats_.internal_errors;
    return ErrorResponse(500, "the reload gave no result");
  }
  return Json(ok->as_bool() ? 200 : 422, result);
}

ApiResponse Api::Metrics() {
  QueryResult core = core_.Query({{"op", "metrics"}});
  const boost::json::object* body = core.status == 200 ? core.body.if_object() : nullptr;
  const boost::json::value* text = body ? body->if_contains("text") : nullptr;
  if (!text || !text->is_string())
    return ErrorResponse(core.status == 200 ? 500 : core.status, core.error);
  ApiResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = std::string(text->as_string());
  r.body += "# HELP vigia_http_responses_total HTTP responses by status code.\n"
            "# TYPE vigia_http_responses_total counter\n";
  for (const auto& [status, count] : stats_.responses)
    r.body += "vigia_http_responses_total{code=\"" + std::to_string(status) + "\"} " +
              std::to_string(count) + "\n";
  r.body += "# TYPE vigia_http_stream_clients gauge\nvigia_http_stream_clients " +
            std::to_string(stats_.stream_clients) +
            "\n# HELP vigia_http_stream_dropped_total SSE clients dropped for falling behind.\n"
            "# TYPE vigia_http_stream_dropped_total counter\nvigia_http_stream_dropped_total " +
            std::to_string(stats_.stream_dropped) +
            "\n# TYPE vigia_http_internal_errors_total counter\nvigia_http_internal_errors_total " +
            std::to_string(stats_.internal_errors) + "\n";
  return r;
}

ApiResponse Api::FromCore(const boost::json::object& query) {
  QueryResult result = core_.Query(query);
  if (result.status != 200) return ErrorResponse(static_cast<unsigned>(result.status), result.error);
  return Json(200, boost::json::serialize(result.body));
}

}  // namespace vigia::daemon::http
