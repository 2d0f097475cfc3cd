// SPDX-License-Identifier: Apache-2.0
// Reads a parsed config document into a Config, one method per top-level key,
// then checks what spans keys: endpoints and ports used twice (C107), nothing to
// receive events on (C108). Every problem goes to the Checker; reading goes on.
// Internal to config/; single-threaded; one Reader per document.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <initializer_list>
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
  // `text` is the whole document (kept for the notifier section).
  Reader(Checker& checker, Config& config, std::string_view text)
      : c_(checker), config_(config), text_(text) {}
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Reads the document's root (Null for an empty file) and fills in defaults.
  void Read(const YAML::Node& root);

 private:
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
  void ReadAuth(const Entry& e);    // ingest_reader.cpp
  void ReadFiles(const Entry& e);   // ingest_reader.cpp
  void ReadAlerts(const Entry& e);
  void ReadHttp(const Entry& e);
  void ReadNotifier(const Entry& e);
  void ReadLog(const Entry& e);

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
  std::string_view text_;
  std::vector<Claimed> claims_;
  size_t ways_in_ = 0;  // zmq binds, tailed files and an HTTP API with tokens, valid or not
};

}  // namespace vigia::config::detail
