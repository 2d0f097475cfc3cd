// SPDX-License-Identifier: Apache-2.0
// `vigia alerts`, `ack`, `resolve`, `deadletters`, `rules`, `reload` and `silence`: each is
// one request to vigiad's HTTP API (api_session.h), its answer printed for people
// or, with --json, as the API's JSON.
#include "daemon/cli/http_commands.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <limits>
#include <optional>
#include <tuple>

#include <boost/json.hpp>

#include "core/time.h"
#include "daemon/cli/alert_line.h"
#include "daemon/cli/api_session.h"
#include "daemon/cli/common.h"

namespace vigia::cli {
namespace {

// An API reply whose body is JSON.
struct JsonReply {
  HttpReply http;
  boost::json::value json;
};

// Opens a session on `api`, sends the request (as ApiSession::Call) and parses
// the reply. On failure one line is on `err` and the error is the exit code.
Result<JsonReply, int> CallJson(const ApiOptions& api, HttpMethod method, const std::string& target,
                                const std::string& body, const ApiAction& action, std::ostream& err,
                                unsigned also = 0) {
  auto session = ApiSession::Open(api, err);
  if (!session) return MakeError(session.error());
  auto reply = session->Call(method, target, body, action, err, also);
  if (!reply) return MakeError(reply.error());
  auto json = session->ParseJson(*reply, err);
  if (!json) return MakeError(json.error());
  return JsonReply{*std::move(reply), *std::move(json)};
}

bool OneOf(const std::string& value, std::initializer_list<const char*> allowed) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return value == a; });
}

// Text from outside (a rejected message, its error) made unable to drive the
// operator's terminal: control characters, escape sequences among them, become '?'.
std::string Inert(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < ' ' || c == 127) c = c == '\t' ? ' ' : '?';
  return text;
}

std::string Join(const boost::json::value* list, const char* sep = ", ") {
  std::string out;
  if (!list || !list->is_array()) return out;
  for (const auto& item : list->as_array())
    if (item.is_string()) out += (out.empty() ? "" : sep) + std::string(item.as_string());
  return out;
}

// One alert with its history, for `vigia alerts ID`.
void PrintAlertDetail(const boost::json::object& a, std::ostream& out) {
  out << AlertLine(a) << "\n";
  auto row = [&](const char* label, const std::string& value) {
    if (!value.empty()) out << "  " << std::left << std::setw(11) << label << value << "\n";
  };
  row("status:", JsonField(a, "status"));
  std::string rule = JsonField(a, "rule") + " (variant " + JsonField(a, "variant");
  if (!JsonField(a, "rule_version").empty()) rule += ", version " + JsonField(a, "rule_version");
  if (const auto* s = a.if_contains("shadow"); s && s->is_bool() && s->as_bool())
    rule += ", shadow";
  row("rule:", rule + ")");
  std::string key;
  if (const auto* k = a.if_contains("key"); k && k->is_object())
    for (const auto& [name, value] : k->as_object())
      key += (key.empty() ? "" : ", ") + std::string(name) + "=" +
             (value.is_string() ? std::string(value.as_string()) : boost::json::serialize(value));
  row("key:", key);
  row("region:", JsonField(a, "region"));
  row("groups:", Join(a.if_contains("groups")));
  row("subject:", JsonField(a, "subject"));
  row("events:", Join(a.if_contains("events")));
  row("first:", JsonField(a, "first_time"));
  row("fired at:", JsonField(a, "fired_at"));
  if (const auto* r = a.if_contains("resolution"); r && r->is_object()) {
    const auto& res = r->as_object();
    row("resolution:", JsonField(res, "reason") + " (event " + JsonField(res, "event") + ", " +
                           JsonField(res, "late_by") + " after the deadline, at " +
                           JsonField(res, "at") + ")");
  }
  const auto* history = a.if_contains("history");
  if (!history || !history->is_array()) return;
  out << "  history:\n";
  for (const auto& h : history->as_array()) {
    if (!h.is_object()) continue;
    const auto& e = h.as_object();
    out << "    " << JsonField(e, "at") << " " << JsonField(e, "change") << " by "
        << JsonField(e, "by");
    if (const std::string note = JsonField(e, "note"); !note.empty()) out << ": " << note;
    out << "\n";
  }
}

int ShowAlert(const AlertsOptions& options, std::ostream& out, std::ostream& err) {
  ApiAction action{"read alerts", "viewer", options.id, "read"};
  auto reply = CallJson(options.api, HttpMethod::kGet,
                        "/api/v1/alerts/" + PercentEncode(options.id), "", action, err);
  if (!reply) return reply.error();
  if (options.json) {
    out << reply->http.body << "\n";
  } else if (reply->json.is_object()) {
    PrintAlertDetail(reply->json.as_object(), out);
  }
  return kExitOk;
}

// Who does it: `by`, else $USER, else empty.
std::string ByOrUser(std::string by) {
  if (by.empty())
    if (const char* user = std::getenv("USER")) by = user;
  return by;
}

int ChangeAlert(const ChangeAlertOptions& options, const char* op, const char* change,
                const char* done, std::ostream& out, std::ostream& err) {
  const std::string by = ByOrUser(options.by);
  if (by.empty()) {
    err << "vigia " << op << ": --by NAME is required ($USER is not set)\n";
    return kExitUsage;
  }
  boost::json::object body;
  body["by"] = by;
  if (!options.note.empty()) body["note"] = options.note;
  ApiAction action{std::string(change) + " alerts", "operator", options.id, change};
  auto reply = CallJson(options.api, HttpMethod::kPost,
                        "/api/v1/alerts/" + PercentEncode(options.id) + "/" + op,
                        boost::json::serialize(body), action, err);
  if (!reply) return reply.error();
  if (reply->json.is_object()) out << done << ": " << AlertLine(reply->json.as_object()) << "\n";
  return kExitOk;
}

// A table with a header row; numbers right-aligned.
void PrintTable(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& numeric,
                std::ostream& out) {
  std::vector<size_t> width(numeric.size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string pad(width[i] - row[i].size(), ' ');
      if (i) line += "  ";
      line += numeric[i] ? pad + row[i] : (i + 1 == row.size() ? row[i] : row[i] + pad);
    }
    out << line << "\n";
  }
}

// "s-0123456789abcdef 2026-05-01T10:00:00Z → 2026-05-01T12:00:00Z level=critical
// region=MX-CHH,MX-GRO by ana: road blocked" from a silence object (notifier.md).
std::string SilenceLine(const boost::json::object& s) {
  std::string line =
      JsonField(s, "id") + " " + JsonField(s, "starts") + " → " + JsonField(s, "ends");
  if (const auto* where = s.if_contains("where"); where && where->is_object())
    for (const auto& [key, values] : where->as_object())
      line += " " + std::string(key) + "=" + Join(&values, ",");
  line += " by " + JsonField(s, "by");
  if (const std::string reason = JsonField(s, "reason"); !reason.empty()) line += ": " + reason;
  return Inert(std::move(line));
}

TimeUs WallNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int RunAlerts(const AlertsOptions& options, std::ostream& out, std::ostream& err) {
  if (!options.status.empty() && !OneOf(options.status, {"firing", "acknowledged", "resolved"})) {
    err << "vigia alerts: --status must be firing, acknowledged or resolved\n";
    return kExitUsage;
  }
  if (!options.level.empty() && !OneOf(options.level, {"info", "watch", "warning", "critical"})) {
    err << "vigia alerts: --level must be info, watch, warning or critical\n";
    return kExitUsage;
  }
  const bool filtered =
      !(options.status + options.region + options.group + options.level + options.since).empty();
  if (!options.id.empty()) {
    if (filtered) {
      err << "vigia alerts: filters list alerts; they do not apply to one alert ID\n";
      return kExitUsage;
    }
    return ShowAlert(options, out, err);
  }
  const std::string target = "/api/v1/alerts" + QueryString({{"status", options.status},
                                                             {"region", options.region},
                                                             {"group", options.group},
                                                             {"level", options.level},
                                                             {"since", options.since}});
  auto reply = CallJson(options.api, HttpMethod::kGet, target, "",
                        ApiAction{"list alerts", "viewer", "", ""}, err);
  if (!reply) return reply.error();
  if (options.json) {
    out << reply->http.body << "\n";
    return kExitOk;
  }
  size_t shown = 0;
  if (reply->json.is_array())
    for (const auto& a : reply->json.as_array())
      if (a.is_object()) {
        out << std::left << std::setw(12) << JsonField(a.as_object(), "status") << " "
            << AlertLine(a.as_object()) << "\n";
        ++shown;
      }
  if (shown == 0) err << (filtered ? "no alerts match\n" : "no alerts\n");
  return kExitOk;
}

int RunAck(const ChangeAlertOptions& options, std::ostream& out, std::ostream& err) {
  return ChangeAlert(options, "ack", "acknowledge", "acknowledged", out, err);
}

int RunResolve(const ChangeAlertOptions& options, std::ostream& out, std::ostream& err) {
  return ChangeAlert(options, "resolve", "resolve", "resolved", out, err);
}

int RunDeadLetters(const DeadLettersOptions& options, std::ostream& out, std::ostream& err) {
  auto reply = CallJson(options.api, HttpMethod::kGet, "/api/v1/deadletters", "",
                        ApiAction{"read dead letters", "operator", "", ""}, err);
  if (!reply) return reply.error();
  if (!reply->json.is_array()) {
    err << "vigia: vigiad answered dead letters that are not a list\n";
    return kExitProblems;
  }
  boost::json::array letters = std::move(reply->json.as_array());
  const size_t total = letters.size();
  if (options.limit > 0 && letters.size() > options.limit) letters.resize(options.limit);
  if (options.json) {
    out << boost::json::serialize(letters) << "\n";
  } else {
    // "2024-05-01T10:00:00Z invalid_event (id e2, field time): ...", then the message.
    for (const auto& item : letters) {
      if (!item.is_object()) continue;
      const auto& letter = item.as_object();
      boost::json::object error;
      if (const auto* r = letter.if_contains("reply"); r && r->is_object())
        if (const auto* e = r->as_object().if_contains("error"); e && e->is_object())
          error = e->as_object();
      std::string where;
      if (!JsonField(error, "id").empty()) where = "id " + JsonField(error, "id");
      if (!JsonField(error, "field").empty())
        where += (where.empty() ? "" : ", ") + std::string("field ") + JsonField(error, "field");
      out << Inert(JsonField(letter, "arrival") + " " + JsonField(error, "code") +
                   (where.empty() ? "" : " (" + where + ")") + ": " + JsonField(error, "message"))
          << "\n";
      std::string message = JsonField(letter, "message");
      constexpr size_t kShown = 300;
      if (message.size() > kShown)
        message = message.substr(0, kShown) + "... (" + std::to_string(message.size()) + " bytes)";
      out << "  " << Inert(std::move(message)) << "\n";
    }
    if (total == 0) err << "no dead letters\n";
  }
  if (letters.size() < total)
    err << "showing the newest " << letters.size() << " of " << total
        << " dead letters (--limit 0 for all)\n";
  return kExitOk;
}

int RunRules(const RulesOptions& options, std::ostream& out, std::ostream& err) {
  auto reply = CallJson(options.api, HttpMethod::kGet, "/api/v1/rules", "",
                        ApiAction{"list rules", "viewer", "", ""}, err);
  if (!reply) return reply.error();
  if (options.json) {
    out << reply->http.body << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {{"RULE", "LEVEL", "PATTERN", "EVALUATIONS",
                                                 "FIRINGS", "SUPPRESSED", "LATE", "NO KEY",
                                                 "DROPPED", "FILE"}};
  if (reply->json.is_array())
    for (const auto& item : reply->json.as_array()) {
      if (!item.is_object()) continue;
      const auto& r = item.as_object();
      std::string level = JsonField(r, "level");
      if (const auto* s = r.if_contains("shadow"); s && s->is_bool() && s->as_bool())
        level += " (shadow)";
      rows.push_back({JsonField(r, "id"), level, JsonField(r, "pattern"),
                      JsonField(r, "evaluations"), JsonField(r, "firings"),
                      JsonField(r, "suppressed"), JsonField(r, "late"), JsonField(r, "no_key"),
                      JsonField(r, "dropped"), JsonField(r, "file")});
    }
  if (rows.size() == 1) {
    err << "no rules loaded\n";
    return kExitOk;
  }
  PrintTable(rows, {false, false, false, true, true, true, true, true, true, false}, out);
  return kExitOk;
}

int RunReload(const ApiOptions& options, std::ostream& out, std::ostream& err) {
  auto reply = CallJson(options, HttpMethod::kPost, "/api/v1/rules/reload", "",
                        ApiAction{"reload rules", "admin", "", ""}, err, 422);
  if (!reply) return reply.error();
  const boost::json::object empty;
  const auto& result = reply->json.is_object() ? reply->json.as_object() : empty;
  const std::string diagnostics = JsonField(result, "diagnostics");
  if (reply->http.status == 422) {
    // The diagnostics end with their count and "previous rules stay active".
    if (diagnostics.empty())
      err << "vigia: vigiad refused the new rules; the previous rules stay active\n";
    else
      err << diagnostics << (diagnostics.back() == '\n' ? "" : "\n");
    return kExitProblems;
  }
  if (!diagnostics.empty()) err << diagnostics << (diagnostics.back() == '\n' ? "" : "\n");
  out << "rules reloaded: " << JsonField(result, "rules") << " rules active\n";
  return kExitOk;
}

int RunSilenceAdd(const SilenceAddOptions& options, std::ostream& out, std::ostream& err) {
  const auto usage = [&](const std::string& why) {
    err << "vigia silence add: " << why << "\n";
    return kExitUsage;
  };
  boost::json::object where;
  for (const auto& [key, values] : {std::pair{"level", &options.level},
                                    {"region", &options.region},
                                    {"group", &options.group},
                                    {"rule", &options.rule},
                                    {"subject", &options.subject}})
    if (!values->empty()) where[key] = boost::json::array(values->begin(), values->end());
  if (where.empty())
    return usage(
        "give at least one of --level, --region, --group, --rule, --subject (a silence of "
        "every alert would stop all notifications)");
  if (options.for_duration.empty() == options.until.empty())
    return usage("give either --for DURATION or --until TIME");
  std::optional<TimeUs> starts, ends;
  for (const auto& [name, text, time] :
       {std::tuple{"--from", &options.from, &starts}, {"--until", &options.until, &ends}})
    if (!text->empty() && !(*time = ParseRfc3339(*text)))
      return usage(std::string(name) + ": expected an RFC 3339 time such as " +
                   "2026-11-29T18:00:00Z, got '" + *text + "'");
  if (!ends) {
    // Both times sent, so that the silence lasts exactly --for; whole seconds read better.
    if (!starts) starts = WallNow() / kSecond * kSecond;
    const std::optional<DurationUs> d = ParseDuration(options.for_duration);
    if (!d || *d > std::numeric_limits<TimeUs>::max() - *starts)
      return usage("--for: expected a duration such as 90s, 15m, 2h or 1d, got '" +
                   options.for_duration + "'");
    ends = *starts + *d;
  }
  const std::string by = ByOrUser(options.by);
  if (by.empty()) return usage("--by NAME is required ($USER is not set)");

  boost::json::object body{{"where", std::move(where)}, {"ends", FormatRfc3339(*ends)}, {"by", by}};
  if (starts) body["starts"] = FormatRfc3339(*starts);
  if (!options.reason.empty()) body["reason"] = options.reason;
  auto reply =
      CallJson(options.api, HttpMethod::kPost, "/api/v1/silences", boost::json::serialize(body),
               ApiAction{"add silences", "operator", "", ""}, err);
  if (!reply) return reply.error();
  if (options.json) {
    out << reply->http.body << "\n";
  } else if (reply->json.is_object()) {
    // The id alone on stdout, for scripts; what it covers for people.
    out << JsonField(reply->json.as_object(), "id") << "\n";
    err << "silenced: " << SilenceLine(reply->json.as_object()) << "\n";
  }
  return kExitOk;
}

int RunSilenceList(const SilenceListOptions& options, std::ostream& out, std::ostream& err) {
  auto reply = CallJson(options.api, HttpMethod::kGet, "/api/v1/silences", "",
                        ApiAction{"list silences", "operator", "", ""}, err);
  if (!reply) return reply.error();
  if (options.json) {
    out << reply->http.body << "\n";
    return kExitOk;
  }
  size_t shown = 0;
  if (reply->json.is_array())
    for (const auto& s : reply->json.as_array())
      if (s.is_object()) {
        out << SilenceLine(s.as_object()) << "\n";
        ++shown;
      }
  if (shown == 0) err << "no silences\n";
  return kExitOk;
}

int RunSilenceRm(const SilenceRmOptions& options, std::ostream& out, std::ostream& err) {
  if (options.id.empty()) {
    err << "vigia silence rm: give the silence's ID (vigia silence list shows them)\n";
    return kExitUsage;
  }
  const std::string body =
      options.by.empty() ? "" : boost::json::serialize(boost::json::object{{"by", options.by}});
  ApiAction action{"end silences", "operator", options.id, "end", "silence"};
  auto reply = CallJson(options.api, HttpMethod::kDelete,
                        "/api/v1/silences/" + PercentEncode(options.id), body, action, err);
  if (!reply) return reply.error();
  if (reply->json.is_object()) out << "ended: " << SilenceLine(reply->json.as_object()) << "\n";
  return kExitOk;
}

}  // namespace vigia::cli
