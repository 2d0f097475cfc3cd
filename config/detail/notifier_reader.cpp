// SPDX-License-Identifier: Apache-2.0
// The `notifier` section (notifier.md, "Config") and its receivers; policies,
// routes, retry, watchdog and timezone are in notifier_policy_reader.cpp.
// ${VAR} is expanded in the string values of a receiver's kind. Messages quote
// values as written, never expanded, so that no secret reaches a diagnostic.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>

#include "config/detail/notifier_values.h"
#include "config/detail/reader.h"

namespace vigia::config::detail {
namespace {

constexpr std::array<std::string_view, 6> kNotifierKeys = {"receivers", "routes",   "policies",
                                                           "retry",     "watchdog", "timezone"};
constexpr std::array<std::string_view, 7> kReceiverKeys = {
    "name", "fields", "webhook", "alertmanager", "email", "file", "stream"};
constexpr std::array<std::string_view, 5> kKinds = {"webhook", "alertmanager", "email", "file",
                                                    "stream"};
constexpr std::array<std::string_view, 18> kFieldWords = {
    "alert",   "rule",     "level",   "status",       "key",         "region",
    "groups",  "subject",  "time",    "first_time",   "events",      "count",
    "summary", "fired_at", "variant", "rule_version", "escalations", "silenced"};
constexpr std::array<std::string_view, 5> kWebhookKeys = {"url", "headers", "timeout", "template",
                                                          "ca_file"};
constexpr std::array<std::string_view, 1> kTemplateWords = {"sms"};
constexpr std::array<std::string_view, 4> kAlertmanagerKeys = {"url", "timeout", "resend",
                                                               "ca_file"};
constexpr std::array<std::string_view, 8> kEmailKeys = {
    "smtp", "from", "to", "username", "password", "starttls", "timeout", "ca_file"};
constexpr std::array<std::string_view, 3> kStartTlsWords = {"required", "opportunistic", "off"};
constexpr std::array<std::string_view, 1> kFileKeys = {"path"};
constexpr std::array<std::string_view, 2> kHttpSchemes = {"http", "https"};
constexpr std::array<std::string_view, 2> kSmtpSchemes = {"smtp", "smtps"};

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string ItemName(std::string_view list, size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

bool Has(const std::vector<Entry>& entries, std::string_view name) {
  return std::any_of(entries.begin(), entries.end(),
                     [&](const Entry& e) { return e.name == name; });
}

// True if a key of `map` other than `known` ones is a likely typo of one of
// `wanted`: it was reported as unknown already, with that suggestion.
bool Misspelt(const YAML::Node& map, std::span<const std::string_view> known,
              std::span<const std::string_view> wanted) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar() || std::find(known.begin(), known.end(), key.Scalar()) != known.end()) {
      continue;
    }
    if (SuggestHint(key.Scalar(), wanted).starts_with("did")) return true;
  }
  return false;
}

}  // namespace

void Reader::ReadNotifier(const Entry& e) {
  if (!c_.ExpectMap(e)) return;
  Checker::Scope scope(c_, e.name);
  std::vector<Entry> entries = c_.Entries(e.value, kNotifierKeys);
  NotifierConfig n;
  NotifierNames names;
  // Names are declared before they are referred to, whatever the file's order.
  for (std::string_view key :
       {"receivers", "policies", "routes", "watchdog", "retry", "timezone"}) {
    auto f = std::find_if(entries.begin(), entries.end(),
                          [&](const Entry& entry) { return entry.name == key; });
    if (f == entries.end()) continue;
    if (key == "receivers") ReadReceivers(*f, n, names);
    if (key == "policies") ReadPolicies(*f, n, names);
    if (key == "routes") ReadRoutes(*f, n, names);
    if (key == "watchdog") ReadWatchdog(*f, n, names);
    if (key == "retry") ReadRetry(*f, n.retry);
    if (key == "timezone") ReadTimezone(*f, n);
  }
  WarnUnusedReceivers(names);
  config_.notifier = std::move(n);
}

void Reader::ReadReceivers(const Entry& e, NotifierConfig& n, NotifierNames& names) {
  if (!c_.ExpectList(e)) return;
  for (size_t i = 0; i < e.value.size(); ++i) {
    Entry item{ItemName(e.name, i), e.value[i], e.value[i]};
    if (!c_.ExpectMap(item)) continue;
    Checker::Scope scope(c_, item.name);
    if (std::optional<Receiver> r = ReadReceiver(item, names)) n.receivers.push_back(std::move(*r));
  }
}

std::optional<Receiver> Reader::ReadReceiver(const Entry& item, NotifierNames& names) {
  std::vector<Entry> entries = c_.Entries(item.value, kReceiverKeys);
  Receiver r;
  r.pos = c_.PosOf(item.value);
  bool ok = Require(item.value, entries, {"name"});
  const Entry* kind = nullptr;
  for (const Entry& f : entries) {
    if (f.name == "name") {
      std::optional<std::string> name = c_.Text(f);
      if (!name) {
        ok = false;
        continue;
      }
      r.name = *name;
      r.pos = c_.PosOf(Checker::Anchor(f));
      auto [first, inserted] =
          names.receivers.emplace(*name, NotifierNames::Declared{Checker::Anchor(f), item.name});
      if (!inserted) {
        c_.Error("C112", Checker::Anchor(f),
                 "duplicate receiver " + Quoted(*name) + " (first at line " +
                     std::to_string(first->second.at.Mark().line + 1) + ")",
                 "receiver names must be unique");
        ok = false;
        continue;
      }
      names.receiver_order.push_back(*name);
      if (!IsNotifierName(*name)) {
        c_.Error("C103", Checker::Anchor(f), "invalid receiver name " + Quoted(*name),
                 "letters, digits, '.', '_' or '-'");
        ok = false;
      }
    } else if (f.name == "fields") {
      if (!c_.ExpectList(f)) {
        ok = false;
        continue;
      }
      if (f.value.size() == 0) {
        c_.Error("C103", Checker::Anchor(f), "'" + c_.KeyName(f.name) + "' must not be empty",
                 "leave 'fields' out to send every alert field");
        ok = false;
      }
      for (size_t i = 0; i < f.value.size(); ++i) {
        Entry field{ItemName(f.name, i), f.value[i], f.value[i]};
        std::optional<size_t> word = c_.Choice(field, kFieldWords);
        if (!word) {
          ok = false;
        } else if (std::find(r.fields.begin(), r.fields.end(), kFieldWords[*word]) !=
                   r.fields.end()) {
          c_.Error("C103", Checker::Anchor(field),
                   "field " + Quoted(kFieldWords[*word]) + " is listed twice in '" +
                       c_.KeyName(f.name) + "'");
          ok = false;
        } else {
          r.fields.emplace_back(kFieldWords[*word]);
        }
      }
    } else if (kind != nullptr) {
      c_.Error("C103", f.key,
               "a receiver has one kind, found " + Quoted(kind->name) + " and " + Quoted(f.name),
               "declare one receiver for each");
      ok = false;
    } else {
      kind = &f;
    }
  }
  if (kind == nullptr) {
    if (!Misspelt(item.value, kReceiverKeys, kKinds)) {
      c_.Error("C108", item.value, "missing the receiver's kind in '" + c_.KeyName("") + "'",
               "give one of: webhook, alertmanager, email, file, stream");
    }
    return std::nullopt;
  }
  if (kind->name == "webhook") {
    std::optional<WebhookReceiver> w = ReadWebhook(*kind);
    if (w) r.kind = std::move(*w);
    ok = ok && w;
  } else if (kind->name == "alertmanager") {
    std::optional<AlertmanagerReceiver> a = ReadAlertmanager(*kind);
    if (a) r.kind = std::move(*a);
    ok = ok && a;
  } else if (kind->name == "email") {
    std::optional<EmailReceiver> m = ReadEmail(*kind);
    if (m) r.kind = std::move(*m);
    ok = ok && m;
  } else if (kind->name == "file") {
    std::optional<FileReceiver> f = ReadFileReceiver(*kind);
    if (f) r.kind = std::move(*f);
    ok = ok && f;
  } else if (kind->value.IsMap() && kind->value.size() > 0) {
    for (auto it = kind->value.begin(); it != kind->value.end(); ++it) {
      c_.Error("C101", it->first,
               "unknown key " + Quoted(it->first.IsScalar() ? it->first.Scalar() : "?") + " in '" +
                   c_.KeyName(kind->name) + "'",
               "a stream receiver takes no keys: stream: {}");
    }
    ok = false;
  } else if (!kind->value.IsNull() && !c_.ExpectMap(*kind)) {
    ok = false;
  } else {
    r.kind = StreamReceiver{};  // `stream: {}`, or `stream:` with nothing
  }
  if (!ok) return std::nullopt;
  return r;
}

std::optional<WebhookReceiver> Reader::ReadWebhook(const Entry& e) {
  if (!c_.ExpectMap(e)) return std::nullopt;
  Checker::Scope scope(c_, e.name);
  std::vector<Entry> entries = c_.Entries(e.value, kWebhookKeys);
  WebhookReceiver w;
  bool ok = Require(e.value, entries, {"url"});
  for (const Entry& f : entries) {
    if (f.name == "url") {
      std::optional<std::string> url = Url(f, /*base=*/false);
      if (url) w.url = std::move(*url);
      ok = ok && url;
    } else if (f.name == "headers") {
      if (!c_.ExpectMap(f)) {
        ok = false;
        continue;
      }
      Checker::Scope headers(c_, f.name);
      std::map<std::string, YAML::Node> seen;  // lower-case: HTTP header names ignore case
      for (auto it = f.value.begin(); it != f.value.end(); ++it) {
        Entry h{it->first.IsScalar() ? it->first.Scalar() : "", it->first, it->second};
        if (DescribeKind(h.key) != "a string" || !IsHeaderName(h.name)) {
          c_.Error("C103", h.key, "invalid header name in '" + c_.KeyName("") + "'",
                   "letters, digits and !#$%&'*+-.^_`|~, as HTTP allows");
          ok = false;
          continue;
        }
        std::string lower = h.name;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        auto [first, inserted] = seen.emplace(lower, h.key);
        if (!inserted) {
          c_.Error("C109", h.key,
                   "duplicate header '" + c_.KeyName(h.name) + "' (first at line " +
                       std::to_string(first->second.Mark().line + 1) + ")",
                   "header names ignore case; remove or merge the other");
          ok = false;
          continue;
        }
        bool secret = false;
        std::optional<std::string> value = Expanded(h, &secret);
        if (value) w.headers.push_back({h.name, std::move(*value), secret});
        ok = ok && value;
      }
    } else if (f.name == "timeout") {
      std::optional<DurationUs> d = c_.Duration(f);
      if (d) w.timeout = *d;
      ok = ok && d;
    } else if (f.name == "template") {
      std::optional<size_t> word = c_.Choice(f, kTemplateWords);
      w.sms = word.has_value();
      ok = ok && word;
    } else {
      std::optional<std::filesystem::path> ca = ExpandedPath(f);
      if (ca) w.ca_file = std::move(*ca);
      ok = ok && ca;
    }
  }
  if (!ok) return std::nullopt;
  return w;
}

std::optional<AlertmanagerReceiver> Reader::ReadAlertmanager(const Entry& e) {
  if (!c_.ExpectMap(e)) return std::nullopt;
  Checker::Scope scope(c_, e.name);
  std::vector<Entry> entries = c_.Entries(e.value, kAlertmanagerKeys);
  AlertmanagerReceiver a;
  bool ok = Require(e.value, entries, {"url"});
  for (const Entry& f : entries) {
    if (f.name == "url") {
      std::optional<std::string> url = Url(f, /*base=*/true);
      if (url) a.url = std::move(*url);
      ok = ok && url;
    } else if (f.name == "timeout" || f.name == "resend") {
      std::optional<DurationUs> d = c_.Duration(f);
      if (d) (f.name == "timeout" ? a.timeout : a.resend) = *d;
      ok = ok && d;
    } else {
      std::optional<std::filesystem::path> ca = ExpandedPath(f);
      if (ca) a.ca_file = std::move(*ca);
      ok = ok && ca;
    }
  }
  if (!ok) return std::nullopt;
  return a;
}

std::optional<EmailReceiver> Reader::ReadEmail(const Entry& e) {
  if (!c_.ExpectMap(e)) return std::nullopt;
  Checker::Scope scope(c_, e.name);
  std::vector<Entry> entries = c_.Entries(e.value, kEmailKeys);
  EmailReceiver m;
  bool ok = Require(e.value, entries, {"smtp", "from", "to"});
  // SMTP AUTH takes both or neither.
  if (Has(entries, "username") && !Require(e.value, entries, {"password"})) ok = false;
  if (Has(entries, "password") && !Require(e.value, entries, {"username"})) ok = false;
  const Entry* starttls = nullptr;
  for (const Entry& f : entries) {
    if (f.name == "smtp") {
      std::optional<std::string> url = Expanded(f);
      std::optional<Problem> problem;
      if (url) problem = UrlProblem(*url, {kSmtpSchemes, false, false, false});
      if (problem) {
        c_.Error("C114", Checker::Anchor(f),
                 "invalid SMTP server " + Quoted(f.value.Scalar()) + " for '" + c_.KeyName(f.name) +
                     "': " + problem->message,
                 problem->hint.empty() ? "smtp://host:port (then STARTTLS) or smtps://host:port"
                                       : problem->hint);
      }
      if (url && !problem) m.smtp = std::move(*url);
      ok = ok && url && !problem;
    } else if (f.name == "from") {
      std::optional<std::string> from = Address(f);
      if (from) m.from = std::move(*from);
      ok = ok && from;
    } else if (f.name == "to") {
      if (!c_.ExpectList(f)) {
        ok = false;
        continue;
      }
      if (f.value.size() == 0) {
        c_.Error("C103", Checker::Anchor(f), "'" + c_.KeyName(f.name) + "' must not be empty",
                 "give at least one address");
        ok = false;
      }
      for (size_t i = 0; i < f.value.size(); ++i) {
        std::optional<std::string> to = Address({ItemName(f.name, i), f.value[i], f.value[i]});
        if (to) m.to.push_back(std::move(*to));
        ok = ok && to;
      }
    } else if (f.name == "username" || f.name == "password") {
      std::optional<std::string> text = Expanded(f);
      if (text && text->empty()) {
        c_.Error("C103", Checker::Anchor(f), "'" + c_.KeyName(f.name) + "' must not be empty",
                 "leave out both 'username' and 'password' for no SMTP AUTH");
        text.reset();
      }
      if (text) (f.name == "username" ? m.username : m.password) = std::move(*text);
      ok = ok && text;
    } else if (f.name == "starttls") {
      std::optional<size_t> word = c_.Choice(f, kStartTlsWords);
      if (word) m.starttls = static_cast<StartTls>(*word);
      ok = ok && word;
      starttls = &f;
    } else if (f.name == "timeout") {
      std::optional<DurationUs> d = c_.Duration(f);
      if (d) m.timeout = *d;
      ok = ok && d;
    } else {
      std::optional<std::filesystem::path> ca = ExpandedPath(f);
      if (ca) m.ca_file = std::move(*ca);
      ok = ok && ca;
    }
  }
  if (starttls != nullptr && m.smtp.starts_with("smtps://")) {
    c_.Warning("C202", Checker::Anchor(*starttls),
               "'" + c_.KeyName(starttls->name) + "' has no effect with an smtps:// server",
               "smtps:// is TLS from the start; remove 'starttls', or use smtp:// for STARTTLS");
  }
  if (!ok) return std::nullopt;
  return m;
}

std::optional<FileReceiver> Reader::ReadFileReceiver(const Entry& e) {
  if (!c_.ExpectMap(e)) return std::nullopt;
  Checker::Scope scope(c_, e.name);
  std::vector<Entry> entries = c_.Entries(e.value, kFileKeys);
  if (!Require(e.value, entries, {"path"})) return std::nullopt;
  std::optional<std::filesystem::path> path = ExpandedPath(entries.front());
  if (!path) return std::nullopt;
  return FileReceiver{std::move(*path)};
}

std::optional<std::string> Reader::Expanded(const Entry& e, bool* secret) {
  std::optional<std::string> written = c_.String(e);
  if (!written) return std::nullopt;
  Expansion x = ExpandVariables(*written, [](const std::string& name) {
    return std::getenv(name.c_str());  // load time, before any thread could setenv
  });
  for (const std::string& name : x.unset) {
    c_.Error("C113", Checker::Anchor(e),
             "environment variable " + Quoted(name) + " of '" + c_.KeyName(e.name) + "' is not set",
             "set it in vigiad's environment (e.g. EnvironmentFile= in its systemd unit), "
             "or write $${ for a literal ${");
  }
  if (!x.malformed.empty()) {
    c_.Error("C113", Checker::Anchor(e),
             "invalid reference " + Quoted(x.malformed) + " in '" + c_.KeyName(e.name) + "'",
             "write ${NAME} (letters, digits and '_'), or $${ for a literal ${");
  }
  if (!x.unset.empty() || !x.malformed.empty()) return std::nullopt;
  if (x.text.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    c_.Error("C103", Checker::Anchor(e),
             "'" + c_.KeyName(e.name) + "' must be one line" +
                 (x.expanded ? " (after expanding ${...})" : ""));
    return std::nullopt;
  }
  if (secret != nullptr) *secret = x.expanded;
  return std::move(x.text);
}

std::optional<std::filesystem::path> Reader::ExpandedPath(const Entry& e) {
  std::optional<std::string> text = Expanded(e);
  if (text && text->empty()) {
    c_.Error("C103", Checker::Anchor(e), "'" + c_.KeyName(e.name) + "' must not be empty");
    return std::nullopt;
  }
  if (!text) return std::nullopt;
  return Resolve(*text, config_.base_dir);
}

std::optional<std::string> Reader::Url(const Entry& e, bool base) {
  std::optional<std::string> url = Expanded(e);
  if (!url) return std::nullopt;
  std::optional<Problem> problem = UrlProblem(*url, {kHttpSchemes, true, !base, true});
  if (!problem) return url;
  std::string hint = problem->hint;
  if (hint.empty()) {
    hint = base ? "the server's base URL, e.g. http://127.0.0.1:9093; vigia adds /api/v2/alerts"
                : "e.g. https://host.example/hook";
  }
  c_.Error("C114", Checker::Anchor(e),
           "invalid URL " + Quoted(e.value.Scalar()) + " for '" + c_.KeyName(e.name) +
               "': " + problem->message,
           std::move(hint));
  return std::nullopt;
}

std::optional<std::string> Reader::Address(const Entry& e) {
  std::optional<std::string> address = Expanded(e);
  if (!address) return std::nullopt;
  if (IsEmailAddress(*address)) return address;
  c_.Error(
      "C103", Checker::Anchor(e),
      "invalid email address " + Quoted(e.value.Scalar()) + " for '" + c_.KeyName(e.name) + "'",
      "local@domain, or Name <local@domain>");
  return std::nullopt;
}

}  // namespace vigia::config::detail
