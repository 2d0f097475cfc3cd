// SPDX-License-Identifier: Apache-2.0
// `vigia alerts`, `ack`, `resolve`, `deadletters`, `rules` and `reload`: each is
// one request to vigiad's HTTP API (api_session.h), its answer printed for people
// or, with --json, as the API's JSON.
#include "daemon/cli/http_commands.h"

#include <algorithm>
#include <cstdlib>
#include <iomanip>

#include <boost/json.hpp>

#include "daemon/cli/alert_line.h"
#include "daemon/cli/api_session.h"
#include "daemon/cli/common.h"

namespace vigia::cli {
namespace {

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
  auto session = ApiSession::Open(options.api, err);
  if (!session) return session.error();
  ApiAction action{"read alerts", "viewer", options.id, "read"};
  auto reply = session->Call(false, "/api/v1/alerts/" + PercentEncode(options.id), "", action, err);
  if (!reply) return reply.error();
  auto json = session->ParseJson(*reply, err);
  if (!json) return json.error();
  if (options.json) {
    out << reply->body << "\n";
  } else if (json->is_object()) {
    PrintAlertDetail(json->as_object(), out);
  }
  return kExitOk;
}

int ChangeAlert(const ChangeAlertOptions& options, const char* op, const char* change,
                const char* done, std::ostream& out, std::ostream& err) {
  std::string by = options.by;
  if (by.empty())
    if (const char* user = std::getenv("USER")) by = user;
  if (by.empty()) {
    err << "vigia " << op << ": --by NAME is required ($USER is not set)\n";
    return kExitUsage;
  }
  auto session = ApiSession::Open(options.api, err);
  if (!session) return session.error();
  boost::json::object body;
  body["by"] = by;
  if (!options.note.empty()) body["note"] = options.note;
  ApiAction action{std::string(change) + " alerts", "operator", options.id, change};
  auto reply = session->Call(true, "/api/v1/alerts/" + PercentEncode(options.id) + "/" + op,
                             boost::json::serialize(body), action, err);
  if (!reply) return reply.error();
  auto json = session->ParseJson(*reply, err);
  if (!json) return json.error();
  if (json->is_object()) out << done << ": " << AlertLine(json->as_object()) << "\n";
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
  auto session = ApiSession::Open(options.api, err);
  if (!session) return session.error();
  const std::string target = "/api/v1/alerts" + QueryString({{"status", options.status},
                                                             {"region", options.region},
                                                             {"group", options.group},
                                                             {"level", options.level},
                                                             {"since", options.since}});
  auto reply = session->Call(false, target, "", ApiAction{"list alerts", "viewer", "", ""}, err);
  if (!reply) return reply.error();
  auto json = session->ParseJson(*reply, err);
  if (!json) return json.error();
  if (options.json) {
    out << reply->body << "\n";
    return kExitOk;
  }
  size_t shown = 0;
  if (json->is_array())
    for (const auto& a : json->as_array())
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
  auto session = ApiSession::Open(options.api, err);
  if (!session) return session.error();
  auto reply = session->Call(false, "/api/v1/deadletters", "",
                             ApiAction{"read dead letters", "operator", "", ""}, err);
  if (!reply) return reply.error();
  auto json = session->ParseJson(*reply, err);
  if (!json) return json.error();
  if (!json->is_array()) {
    err << "vigia: vigiad answered dead letters that are not a list\n";
    return kExitProblems;
  }
  boost::json::array letters = std::move(json->as_array());
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
  auto session = ApiSession::Open(options.api, err);
  if (!session) return session.error();
  auto reply =
      session->Call(false, "/api/v1/rules", "", ApiAction{"list rules", "viewer", "", ""}, err);
  if (!reply) return reply.error();
  auto json = session->ParseJson(*reply, err);
  if (!json) return json.error();
  if (options.json) {
    out << reply->body << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {{"RULE", "LEVEL", "PATTERN", "EVALUATIONS",
                                                 "FIRINGS", "SUPPRESSED", "LATE", "NO KEY",
                                                 "DROPPED", "FILE"}};
  if (json->is_array())
    for (const auto& item : json->as_array()) {
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
  auto session = ApiSession::Open(options, err);
  if (!session) return session.error();
  auto reply = session->Call(true, "/api/v1/rules/reload", "",
                             ApiAction{"reload rules", "admin", "", ""}, err, 422);
  if (!reply) return reply.error();
  auto json = session->ParseJson(*reply, err);
  if (!json) return json.error();
  const boost::json::object empty;
  const auto& result = json->is_object() ? json->as_object() : empty;
  const std::string diagnostics = JsonField(result, "diagnostics");
  if (reply->status == 422) {
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

}  // namespace vigia::cli
