// SPDX-License-Identifier: Apache-2.0
#include "config/detail/reader.h"

#include <unistd.h>

#include <algorithm>
#include <array>

namespace vigia::config::detail {
namespace {

constexpr std::array<std::string_view, 10> kTopKeys = {"node",     "catalogs", "rules",  "storage",
                                                       "engine",   "ingest",   "alerts", "http",
                                                       "notifier", "log"};
constexpr std::array<std::string_view, 3> kCatalogKeys = {"regions", "groups", "taxonomy"};
constexpr std::array<std::string_view, 3> kStorageKeys = {"path", "retention", "sync"};
constexpr std::array<std::string_view, 2> kSyncWords = {"full", "normal"};
constexpr std::array<std::string_view, 3> kEngineKeys = {"allowed_lateness", "max_future_skew",
                                                         "startup_grace"};
constexpr std::array<std::string_view, 2> kAlertsKeys = {"publish", "auth"};
constexpr std::array<std::string_view, 3> kHttpKeys = {"bind", "tokens_file", "tls"};
constexpr std::array<std::string_view, 2> kTlsKeys = {"cert", "key"};
constexpr std::array<std::string_view, 2> kLogKeys = {"level", "format"};
constexpr std::array<std::string_view, 5> kLevelWords = {"trace", "debug", "info", "warn", "error"};
constexpr std::array<std::string_view, 2> kFormatWords = {"text", "json"};

// rules.md: lateness is at most 30 days, for rules and engine alike.
constexpr DurationUs kMaxLateness = 30 * kDay;

// The host name, the natural name of a daemon in alerts and logs; "vigia" if it
// is unavailable or not a valid node name (then the operator should set `node`).
std::string HostName() {
  std::array<char, 256> buffer{};
  if (gethostname(buffer.data(), buffer.size() - 1) != 0) return "vigia";
  std::string name(buffer.data());
  return IsNodeName(name) ? name : "vigia";
}

}  // namespace

void Reader::Read(const YAML::Node& root) {
  std::vector<Entry> entries;
  if (root.IsMap()) {
    entries = c_.Entries(root, kTopKeys);
  } else if (!root.IsNull()) {
    c_.Error("C102", root, "the config must be a mapping of keys, found " + DescribeKind(root),
             "start from config/vigia.yaml");
    return;
  }
  for (const Entry& e : entries) {
    if (e.name == "node") ReadNode(e);
    if (e.name == "catalogs") ReadCatalogs(e);
    if (e.name == "rules") ReadRules(e);
    if (e.name == "storage") ReadStorage(e);
    if (e.name == "engine") ReadEngine(e);
    if (e.name == "ingest") ReadIngest(e);
    if (e.name == "alerts") ReadAlerts(e);
    if (e.name == "http") ReadHttp(e);
    if (e.name == "notifier") ReadNotifier(e);
    if (e.name == "log") ReadLog(e);
  }
  if (config_.node.empty()) config_.node = HostName();
  if (config_.storage.path.empty()) {
    config_.storage.path = Resolve("var/vigia.db", config_.base_dir);
  }
  CheckClaims();
  CheckSomethingReceives(root, entries);
}

bool Reader::Require(const YAML::Node& map, const std::vector<Entry>& entries,
                     std::initializer_list<std::string_view> required) {
  bool all = true;
  for (std::string_view key : required) {
    auto found =
        std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.name == key; });
    if (found != entries.end()) continue;
    all = false;
    // A misspelt key was reported as unknown with this one as its suggestion;
    // calling it missing as well would report one mistake twice (but it is
    // still missing: callers read the required entries once this is true).
    bool misspelt = false;
    const std::array<std::string_view, 1> wanted = {key};
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (it->first.IsScalar() && SuggestHint(it->first.Scalar(), wanted).starts_with("did")) {
        misspelt = true;
      }
    }
    if (misspelt) continue;
    c_.Error("C108", map,
             "missing required key '" + std::string(key) + "' in '" + c_.KeyName("") + "'");
  }
  return all;
}

std::optional<std::filesystem::path> Reader::Path(const Entry& e) {
  std::optional<std::string> text = c_.Text(e);
  if (!text) return std::nullopt;
  return Resolve(*text, config_.base_dir);
}

std::optional<Endpoint> Reader::ZmqEndpoint(const Entry& e) {
  std::optional<std::string> text = c_.Text(e);
  if (!text) return std::nullopt;
  Result<Endpoint, Problem> endpoint = ParseZmqEndpoint(*text, config_.base_dir);
  if (!endpoint) {
    c_.Error("C106", Checker::Anchor(e),
             "invalid endpoint '" + *text + "' for '" + c_.KeyName(e.name) +
                 "': " + endpoint.error().message,
             endpoint.error().hint);
    return std::nullopt;
  }
  std::optional<Endpoint> tcp;
  if (endpoint->transport == Transport::kTcp) tcp = *endpoint;
  Claim(e, endpoint->text, tcp);
  return *endpoint;
}

void Reader::Claim(const Entry& e, std::string id, std::optional<Endpoint> tcp) {
  claims_.push_back({std::move(id), std::move(tcp), Checker::Anchor(e), c_.KeyName(e.name)});
}

void Reader::CheckClaims() {
  for (size_t i = 1; i < claims_.size(); ++i) {
    const Claimed& b = claims_[i];
    for (size_t j = 0; j < i; ++j) {
      const Claimed& a = claims_[j];
      bool same = a.id == b.id;
      if (!same && !(a.tcp && b.tcp && PortsClash(*a.tcp, *b.tcp))) continue;
      std::string what = same ? "'" + b.id + "'" : "port " + std::to_string(b.tcp->port);
      c_.Error("C107", b.at,
               what + " of '" + b.key + "' is already used by '" + a.key + "' (line " +
                   std::to_string(a.at.Mark().line + 1) + ")",
               "each socket, the HTTP API and each tailed file need their own");
      break;  // one report per later claim is enough
    }
  }
}

void Reader::CheckSomethingReceives(const YAML::Node& root, const std::vector<Entry>& entries) {
  if (ways_in_ > 0) return;
  // A misspelt `ingest` or `http` was reported as unknown already.
  constexpr std::array<std::string_view, 2> kWaysIn = {"ingest", "http"};
  if (root.IsMap()) {
    for (auto it = root.begin(); it != root.end(); ++it) {
      const YAML::Node key = it->first;
      if (key.IsScalar() && key.Scalar() != "ingest" && key.Scalar() != "http" &&
          SuggestHint(key.Scalar(), kWaysIn).starts_with("did")) {
        return;
      }
    }
  }
  // Point at the section that should have provided a way in, else at the top.
  YAML::Node at = root;
  for (const Entry& e : entries) {
    if (e.name == "ingest" || (e.name == "http" && at.IsNull())) at = e.key;
  }
  c_.Error("C108", at,
           "nothing to receive events on: no 'ingest.zmq' bind, no 'ingest.files' and no "
           "'http' API with a 'tokens_file'",
           "add e.g. ingest: {zmq: [{bind: \"tcp://127.0.0.1:7701\", mode: ack}]}");
}

void Reader::ReadNode(const Entry& e) {
  std::optional<std::string> node = c_.String(e);
  if (!node) return;
  if (!IsNodeName(*node)) {
    c_.Error("C103", Checker::Anchor(e), "invalid node name '" + *node + "'",
             "1 to 64 letters, digits, '.', '_' or '-', like a host name");
    return;
  }
  config_.node = *node;
}

void Reader::ReadCatalogs(const Entry& e) {
  if (!c_.ExpectMap(e)) return;
  Checker::Scope scope(c_, e.name);
  for (const Entry& f : c_.Entries(e.value, kCatalogKeys)) {
    std::optional<std::filesystem::path> path = Path(f);
    if (!path) continue;
    if (f.name == "regions") config_.catalogs.regions = *path;
    if (f.name == "groups") config_.catalogs.groups = *path;
    if (f.name == "taxonomy") config_.catalogs.taxonomy = *path;
  }
}

void Reader::ReadRules(const Entry& e) {
  if (!c_.ExpectList(e)) return;
  for (size_t i = 0; i < e.value.size(); ++i) {
    YAML::Node item = e.value[i];
    Entry glob{e.name + "[" + std::to_string(i) + "]", item, item};
    std::optional<std::string> written = c_.Text(glob);
    if (!written) continue;
    config_.rules.push_back({*written, Resolve(*written, config_.base_dir), c_.PosOf(item)});
  }
}

void Reader::ReadStorage(const Entry& e) {
  if (!c_.ExpectMap(e)) return;
  Checker::Scope scope(c_, e.name);
  for (const Entry& f : c_.Entries(e.value, kStorageKeys)) {
    if (f.name == "path") {
      if (auto path = Path(f)) config_.storage.path = *path;
    } else if (f.name == "retention") {
      if (auto d = c_.Duration(f)) config_.storage.retention = *d;
    } else if (auto sync = c_.Choice(f, kSyncWords)) {
      config_.storage.sync = static_cast<SyncMode>(*sync);
    }
  }
}

void Reader::ReadEngine(const Entry& e) {
  if (!c_.ExpectMap(e)) return;
  Checker::Scope scope(c_, e.name);
  for (const Entry& f : c_.Entries(e.value, kEngineKeys)) {
    if (f.name == "allowed_lateness") {
      std::optional<DurationUs> d = c_.Duration(f);
      if (d && *d > kMaxLateness) {
        c_.Error("C104", Checker::Anchor(f),
                 "'" + c_.KeyName(f.name) + "' of '" + f.value.Scalar() + "' is over 30d",
                 "events older than that are journaled but not seen by stateful rules; "
                 "lateness is at most 30d");
      } else if (d) {
        config_.engine.allowed_lateness = *d;
      }
    } else if (f.name == "max_future_skew") {
      if (auto d = c_.Duration(f)) config_.engine.max_future_skew = *d;
    } else if (auto d = c_.Duration(f, /*allow_zero=*/true)) {
      config_.engine.startup_grace = *d;
    }
  }
}

void Reader::ReadAlerts(const Entry& e) {
  if (!c_.ExpectMap(e)) return;
  Checker::Scope scope(c_, e.name);
  std::vector<Entry> entries = c_.Entries(e.value, kAlertsKeys);
  bool ok = Require(e.value, entries, {"publish"});
  AlertsConfig alerts;
  for (const Entry& f : entries) {
    if (f.name == "auth") {
      alerts.auth = ReadAuth(f);
      ok = ok && alerts.auth.has_value();
    } else if (std::optional<Endpoint> endpoint = ZmqEndpoint(f)) {
      alerts.publish = endpoint->text;
      alerts.pos = c_.PosOf(Checker::Anchor(f));
    } else {
      ok = false;
    }
  }
  if (ok) config_.alerts = std::move(alerts);
}

void Reader::ReadHttp(const Entry& e) {
  if (!c_.ExpectMap(e)) return;
  Checker::Scope scope(c_, e.name);
  std::vector<Entry> entries = c_.Entries(e.value, kHttpKeys);
  HttpConfig http;
  bool ok = Require(e.value, entries, {"bind"});
  for (const Entry& f : entries) {
    if (f.name == "tokens_file") {
      ++ways_in_;  // counted even if bad: its own error says what is wrong
      if (auto path = Path(f)) http.tokens_file = *path;
      continue;
    }
    if (f.name == "tls") {
      http.tls = ReadTls(f);
      ok = ok && http.tls.has_value();
      continue;
    }
    std::optional<std::string> text = c_.Text(f);
    if (!text) {
      ok = false;
      continue;
    }
    Result<Endpoint, Problem> address = ParseListenAddress(*text);
    if (!address) {
      c_.Error("C106", Checker::Anchor(f),
               "invalid listen address '" + *text + "' for '" + c_.KeyName(f.name) +
                   "': " + address.error().message,
               address.error().hint);
      ok = false;
      continue;
    }
    http.bind = *text;
    http.host = address->host;
    http.port = address->port;
    http.pos = c_.PosOf(Checker::Anchor(f));
    Claim(f, "http://" + *text, *address);
  }
  if (ok) config_.http = std::move(http);
}

std::optional<HttpConfig::Tls> Reader::ReadTls(const Entry& e) {
  if (!c_.ExpectMap(e)) return std::nullopt;
  Checker::Scope scope(c_, e.name);
  std::vector<Entry> entries = c_.Entries(e.value, kTlsKeys);
  // A certificate without its key (or the reverse) is a mistake, not a request for plain HTTP.
  bool ok = Require(e.value, entries, {"cert", "key"});
  HttpConfig::Tls tls;
  for (const Entry& f : entries) {
    std::optional<std::filesystem::path> path = ReadableFile(f);
    ok = ok && path.has_value();
    if (path) (f.name == "cert" ? tls.cert : tls.key) = *path;
  }
  if (!ok) return std::nullopt;
  return tls;
}

std::optional<std::filesystem::path> Reader::ReadableFile(const Entry& e) {
  std::optional<std::filesystem::path> path = Path(e);
  if (!path) return std::nullopt;
  std::error_code ec;
  const bool exists = std::filesystem::exists(*path, ec);
  if (!exists || std::filesystem::is_directory(*path, ec) || ::access(path->c_str(), R_OK) != 0) {
    c_.Error("C103", Checker::Anchor(e),
             std::string(exists ? "cannot read" : "no such file") + " '" + path->string() + "' for '" +
                 c_.KeyName(e.name) + "'",
             exists ? "vigiad must be able to read it (check its owner and mode)" : "");
    return std::nullopt;
  }
  return path;
}

void Reader::ReadLog(const Entry& e) {
  if (!c_.ExpectMap(e)) return;
  Checker::Scope scope(c_, e.name);
  for (const Entry& f : c_.Entries(e.value, kLogKeys)) {
    if (f.name == "level") {
      if (auto level = c_.Choice(f, kLevelWords)) config_.log.level = static_cast<LogLevel>(*level);
    } else if (auto format = c_.Choice(f, kFormatWords)) {
      config_.log.format = static_cast<LogFormat>(*format);
    }
  }
}

}  // namespace vigia::config::detail
