// SPDX-License-Identifier: Apache-2.0
// Reads a parsed config document into a Config, one method per top-level key,
// then checks what spans keys: endpoints and ports used twice (C107), nothing to
// receive events on (C108). Every problem goes to the Checker; reading goes on.
// The `notifier` section (notifier_*reader.cpp) checks its own cross references:
// receivers (C110), policies (C111), names (C112).
// Internal to config/; single-threaded; one Reader per document.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/detail/checker.h"
#include "config/detail/values.h"

namespace vigia::config::detail {

class Reader {
 public:
  // `checker` and `config` must outlive the reader; config.base_dir must be set.
  Reader(Checker& checker, Config& config) : c_(checker), config_(config) {}
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Reads the document's root (Null for an empty file) and fills in defaults.
  void Read(const YAML::Node& root);

 private:
  // Names declared in the `notifier` section, valid or not (so that one mistake
  // is not reported again wherever the name is used), and which receivers are
  // notified by a policy or the watchdog.
  struct NotifierNames {
    struct Declared {
      YAML::Node at;      // the name's value
      std::string scope;  // "receivers[2]", for the unused-receiver warning
      bool notified = false;
    };
    std::map<std::string, Declared> receivers;
    std::vector<std::string> receiver_order;  // as declared, for did-you-mean hints
    std::map<std::string, YAML::Node> policies;
    std::vector<std::string> policy_order;
  };

  // Something bound or tailed, for the checks across sections.
  struct Claimed {
    std::string id;               // endpoint text or absolute file path
    std::optional<Endpoint> tcp;  // tcp endpoints and listen addresses: host and port
    YAML::Node at;
    std::string key;  // "ingest.zmq[0].bind"
  };

  void ReadNode(const Entry& e);
  void ReadCatalogs(const Entry& e);
  void ReadRules(const Entry& e);
  void ReadStorage(const Entry& e);
  void ReadEngine(const Entry& e);
  void ReadIngest(const Entry& e);  // ingest_reader.cpp
  void ReadZmq(const Entry& e);     // ingest_reader.cpp
  // `{curve_secret_key_file, clients_dir}`, for ingest and alerts; ingest_reader.cpp
  std::optional<CurveAuth> ReadAuth(const Entry& e);
  void ReadFiles(const Entry& e);   // ingest_reader.cpp
  void ReadAlerts(const Entry& e);
  void ReadHttp(const Entry& e);
  std::optional<HttpConfig::Tls> ReadTls(const Entry& e);
  // Path(), and the file exists and is readable (C103 otherwise).
  std::optional<std::filesystem::path> ReadableFile(const Entry& e);
  void ReadLog(const Entry& e);

  // The `notifier` section: receivers in notifier_reader.cpp, the rest in
  // notifier_policy_reader.cpp. Receivers are read first, then policies, routes
  // and the watchdog, so that each name refers to a known one.
  void ReadNotifier(const Entry& e);
  void ReadReceivers(const Entry& e, NotifierConfig& n, NotifierNames& names);
  std::optional<Receiver> ReadReceiver(const Entry& item, NotifierNames& names);
  std::optional<WebhookReceiver> ReadWebhook(const Entry& e);
  std::optional<AlertmanagerReceiver> ReadAlertmanager(const Entry& e);
  std::optional<EmailReceiver> ReadEmail(const Entry& e);
  std::optional<FileReceiver> ReadFileReceiver(const Entry& e);
  void ReadPolicies(const Entry& e, NotifierConfig& n, NotifierNames& names);
  // True if the whole tier is valid. Sets `after` (and tier.after) when its
  // `after` is, even if the rest is not.
  bool ReadTier(const Entry& item, NotifierNames& names, Tier& tier, std::optional<Entry>& after);
  void ReadRoutes(const Entry& e, NotifierConfig& n, NotifierNames& names);
  std::optional<Where> ReadWhere(const Entry& e);
  void ReadRetry(const Entry& e, RetryConfig& retry);
  void ReadWatchdog(const Entry& e, NotifierConfig& n, NotifierNames& names);
  void ReadTimezone(const Entry& e, NotifierConfig& n);
  // A list of receiver names (C103 when empty or repeated), each one declared
  // (C110); every name is marked as notified.
  std::optional<std::vector<std::string>> ReceiverNames(const Entry& e, NotifierNames& names);
  // A string with ${VAR} replaced from the environment (C113 naming the variable,
  // never a value); `$${` is a literal `${`. `secret`, if given, is set when a
  // variable was expanded.
  std::optional<std::string> Expanded(const Entry& e, bool* secret = nullptr);
  // Expanded(), not empty (C103), resolved against the config's folder.
  std::optional<std::filesystem::path> ExpandedPath(const Entry& e);
  // Expanded(), an http:// or https:// URL (C114); `base` also refuses a query
  // or a fragment.
  std::optional<std::string> Url(const Entry& e, bool base);
  // Expanded(), an email address (C103).
  std::optional<std::string> Address(const Entry& e);
  void WarnUnusedReceivers(const NotifierNames& names);

  // C108 for each of `required` that is not in `entries`; false if any is missing.
  bool Require(const YAML::Node& map, const std::vector<Entry>& entries,
               std::initializer_list<std::string_view> required);
  // A path value resolved against the config's folder.
  std::optional<std::filesystem::path> Path(const Entry& e);
  // A ZeroMQ endpoint (C106), remembered for C107.
  std::optional<Endpoint> ZmqEndpoint(const Entry& e);
  void Claim(const Entry& e, std::string id, std::optional<Endpoint> tcp);
  void CheckClaims();
  void CheckSomethingReceives(const YAML::Node& root, const std::vector<Entry>& entries);

  Checker& c_;
  Config& config_;
  std::vector<Claimed> claims_;
  size_t ways_in_ = 0;  // zmq binds, tailed files and an HTTP API with tokens, valid or not
};

}  // namespace vigia::config::detail
