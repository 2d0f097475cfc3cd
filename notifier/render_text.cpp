// SPDX-License-Identifier: Apache-2.0
// The texts for people: SMS and email. Every value goes through
// detail::OneLine, so a newline in a summary can neither start a new header
// line nor a fake "Status:" line, and invalid UTF-8 never reaches a gateway.
#include <boost/json/serialize.hpp>
#include <string>

#include "notifier/detail/alert_fields.h"
#include "notifier/detail/text.h"
#include "notifier/render.h"

namespace vigia::notifier {
namespace {

constexpr size_t kSmsMax = 160;
constexpr size_t kSubjectMax = 200;  // RFC 5322 allows 998 per line; keep it readable

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// OneLine, without the spaces and full stops at its ends (they would double
// up with the separators around it).
std::string Clean(std::string_view s) {
  std::string out = detail::OneLine(s);
  const size_t begin = out.find_first_not_of(' ');
  if (begin == std::string::npos) return {};
  const size_t end = out.find_last_not_of(" .");
  return end == std::string::npos || end < begin ? std::string()
                                                 : out.substr(begin, end - begin + 1);
}

// Appends `part` to `out` after `sep` (no separator before the first part);
// empty parts are skipped.
void Append(std::string& out, std::string_view sep, std::string_view part) {
  if (part.empty()) return;
  if (!out.empty()) out += sep;
  out += part;
}

std::string LocalTime(const boost::json::object& a, std::string_view key, const TimeZone& tz) {
  auto t = detail::TimeAt(a, key);
  return t ? tz.Format(*t) : std::string();
}

// "tier 1", "tier 2, repeat 3" (sep ", ") or "tier 2 repeat 3" (sep " ").
std::string TierText(const Notice& notice, std::string_view sep) {
  std::string out = "tier " + std::to_string(notice.tier);
  if (notice.kind == Notice::Kind::kFiring && notice.repeat > 0)
    out += std::string(sep) + "repeat " + std::to_string(notice.repeat);
  return out;
}

// The summary, or the rule id when the summary is not kept (or empty).
std::string Headline(const boost::json::object& a) {
  std::string text = Clean(detail::StringAt(a, "summary"));
  return text.empty() ? Clean(detail::StringAt(a, "rule")) : text;
}

std::string FiringSms(const boost::json::object& a, const Notice& notice, const TimeZone& tz) {
  std::string tags;
  Append(tags, " ", Clean(Upper(detail::StringAt(a, "level"))));
  Append(tags, " ", Clean(detail::StringAt(a, "region")));
  Append(tags, " ", Clean(detail::JoinedAt(a, "groups", ",")));
  std::string trailer = Clean(detail::StringAt(a, "alert"));
  Append(trailer, " ", TierText(notice, " "));
  enum { kTags, kText, kTime, kTrailer };
  return detail::FitPieces(
      {tags, Headline(a), LocalTime(a, "fired_at", tz), trailer},
      [](const std::vector<std::string>& p) {
        std::string head = p[kTags];
        Append(head, ": ", p[kText]);
        std::string out;
        for (const auto& part : {head, p[kTime], p[kTrailer]}) Append(out, ". ", part);
        return out;
      },
      {kText, kTags, kTime, kTrailer}, kSmsMax);
}

std::string ResolvedSms(const boost::json::object& a, const Notice& notice) {
  enum { kId, kReason, kRegion, kText };
  return detail::FitPieces(
      {Clean(detail::StringAt(a, "alert")), Clean(notice.reason),
       Clean(detail::StringAt(a, "region")), Headline(a)},
      [](const std::vector<std::string>& p) {
        std::string out = "RESOLVED";
        Append(out, " ", p[kId]);
        if (!p[kReason].empty()) out += " (" + p[kReason] + ")";
        Append(out, " ", p[kRegion]);
        if (!p[kText].empty()) out += ": " + p[kText];
        return out;
      },
      {kText, kRegion, kReason, kId}, kSmsMax);
}

std::string WatchdogSms(const boost::json::object& heartbeat, const TimeZone& tz) {
  enum { kNode, kTime };
  return detail::FitPieces(
      {Clean(detail::StringAt(heartbeat, "node")), LocalTime(heartbeat, "at", tz)},
      [](const std::vector<std::string>& p) {
        std::string out = "vigia watchdog:";
        Append(out, " ", p[kNode]);
        out += " healthy";
        if (!p[kTime].empty()) out += ". " + p[kTime];
        return out;
      },
      {kNode, kTime}, kSmsMax);
}

// How the email names a field; fields it does not know get their name with
// the first letter upper-case and '_' as ' '.
std::string Label(std::string_view name) {
  if (name == "alert") return "Alert";
  if (name == "first_time") return "First time";
  if (name == "fired_at") return "Fired at";
  if (name == "rule_version") return "Rule version";
  std::string out(name);
  for (char& c : out)
    if (c == '_') c = ' ';
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z')
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

// A JSON value as text: strings as they are, arrays joined by ", ", objects
// as "name=value, ...", the rest as JSON.
std::string ValueText(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string().data(), v.get_string().size());
  std::string out;
  if (v.is_array()) {
    for (const auto& x : v.get_array()) Append(out, ", ", ValueText(x));
    return out;
  }
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) {
      Append(out, ", ",
             std::string(kv.key().data(), kv.key().size()) + "=" + ValueText(kv.value()));
    }
    return out;
  }
  return boost::json::serialize(v);
}

bool IsTimeField(std::string_view name) {
  return name == "time" || name == "first_time" || name == "fired_at";
}

std::string FieldLines(const boost::json::object& a, const TimeZone& tz) {
  std::string out;
  for (const auto& kv : a) {
    const std::string_view name{kv.key().data(), kv.key().size()};
    // Internal to vigia, or said better elsewhere in the message.
    if (name == "escalations" || name == "silenced" || name == "resolution") continue;
    std::string value = detail::OneLine(ValueText(kv.value()));
    if (IsTimeField(name)) {
      if (auto t = detail::TimeAt(a, name)) value = tz.Format(*t) + " (" + FormatRfc3339(*t) + ")";
    }
    out += detail::OneLine(Label(name)) + ": " + value + "\n";
  }
  return out;
}

// "Note: first line\n  second line\n": the note keeps its lines, each indented
// so none can pass for a field.
std::string NoteLines(std::string_view note) {
  std::string out = "Note:";
  size_t pos = 0;
  while (pos <= note.size()) {
    size_t end = note.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = note.size();
    out += (pos == 0 ? " " : "\n  ") + detail::OneLine(note.substr(pos, end - pos));
    if (end < note.size() && note[end] == '\r' && end + 1 < note.size() && note[end + 1] == '\n')
      ++end;
    pos = end + 1;
  }
  return out + "\n";
}

Mail WatchdogMail(const boost::json::object& heartbeat, const TimeZone& tz) {
  const std::string node = Clean(detail::StringAt(heartbeat, "node"));
  Mail mail;
  mail.subject = detail::Truncate("[vigia] WATCHDOG " + node + " healthy", kSubjectMax);
  mail.text = "vigiad on " + node + " is healthy.\n";
  if (auto t = detail::TimeAt(heartbeat, "at"))
    mail.text += "At: " + tz.Format(*t) + " (" + FormatRfc3339(*t) + ")\n";
  return mail;
}

}  // namespace

std::string SmsText(const boost::json::object& alert, const std::vector<std::string>& fields,
                    const Notice& notice, const TimeZone& tz) {
  switch (notice.kind) {
    case Notice::Kind::kWatchdog:
      return WatchdogSms(alert, tz);
    case Notice::Kind::kResolved:
      return ResolvedSms(Redact(alert, fields), notice);
    case Notice::Kind::kFiring:
      break;
  }
  return FiringSms(Redact(alert, fields), notice, tz);
}

Mail EmailMessage(const boost::json::object& alert, const std::vector<std::string>& fields,
                  const Notice& notice, const TimeZone& tz) {
  if (notice.kind == Notice::Kind::kWatchdog) return WatchdogMail(alert, tz);
  boost::json::object a = Redact(alert, fields);
  const bool resolved = notice.kind == Notice::Kind::kResolved;
  if (resolved) a["status"] = "resolved";

  std::string name = Clean(detail::StringAt(a, "rule"));
  if (name.empty()) name = Clean(detail::StringAt(a, "alert"));
  std::string subject;
  Append(subject, " ",
         resolved ? std::string("RESOLVED") : Clean(Upper(detail::StringAt(a, "level"))));
  Append(subject, " ", name);
  Append(subject, " ", Clean(detail::StringAt(a, "region")));
  const std::string why = resolved ? Clean(notice.reason) : TierText(notice, ", ");
  if (!why.empty()) subject += " (" + why + ")";

  std::string text;
  if (resolved) {
    text +=
        "Resolution: " + (notice.reason.empty() ? "unspecified" : detail::OneLine(notice.reason)) +
        "\n";
    if (!notice.by.empty()) text += "Resolved by: " + detail::OneLine(notice.by) + "\n";
    if (!notice.note.empty()) text += NoteLines(notice.note);
    text += "\n";
  }
  text += FieldLines(a, tz);
  text += "\n";
  std::string policy = detail::OneLine(notice.policy);
  Append(policy, ", ", TierText(notice, ", "));
  text += "Policy: " + policy + "\n";

  Mail mail;
  mail.subject = detail::Truncate("[vigia] " + subject, kSubjectMax);
  mail.text = std::move(text);
  return mail;
}

}  // namespace vigia::notifier
