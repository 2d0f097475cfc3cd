// SPDX-License-Identifier: Apache-2.0
// vigia.yaml → Config (daemon.md "Config"). Every key is checked; an unknown key,
// a wrong type or a bad value is an error with its file:line:column, never a
// silent default. A key left out takes the default documented in config/vigia.yaml.
// Relative paths and ipc:// endpoints are resolved against the config file's
// folder at load, so a Config holds absolute paths only.
//
// Diagnostic codes (stable):
//   C001  the file is unreadable, not valid YAML, or holds more than one document
//   C101  an unknown key (the hint suggests the closest known one)
//   C102  a value of the wrong type (a list for a mapping, a number for a string, ...)
//   C103  a bad value: not one of the allowed words (the hint lists them), empty, ...
//   C104  a bad duration (90s, 15m, 1h, 7d, 2w), or out of range
//   C105  a bad size (65536, 64KiB, 1MiB), or out of range
//   C106  a bad endpoint or listen address
//   C107  an endpoint, port or tailed file used twice
//   C108  a required key is missing, or nothing to receive events on
//   C109  a key given twice in one mapping (YAML would keep only one)
//   C110  notifier: a policy tier or the watchdog notifies a receiver that is not declared
//   C111  notifier: a route names a policy that is not declared
//   C112  notifier: a receiver or policy name declared twice
//   C113  notifier: a ${VAR} that is not set in the environment, or a malformed ${...}
//   C114  notifier: a bad URL (webhook, alertmanager) or SMTP server (email)
//   C115  notifier: a policy with no tiers, or tiers whose 'after' decreases
//   C201  warning: a notifier receiver that no policy and no watchdog notifies
//   C202  warning: email 'starttls' given for an smtps:// server, where it has no effect
//
// Thread-safety: the functions are reentrant. A Config is a value: the daemon
// holds it as `const Config` and replaces it whole, never edits it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/notifier_config.h"
#include "core/diagnostic.h"
#include "core/time.h"

namespace vigia::config {

enum class SyncMode { kFull, kNormal };  // storage.sync
enum class ZmqMode { kAck, kPush };      // ROUTER with replies | PULL
enum class TailFrom { kStart, kEnd };    // where a newly seen tailed file is read from
enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

inline constexpr uint64_t kMaxMessageLimit = 16 * 1024 * 1024;  // ingest.max_message ≤ 16MiB
inline constexpr uint64_t kMinMessageLimit = 1024;              // below this no event fits

// Catalog files; an empty path means the built-in default catalog.
struct CatalogPaths {
  std::filesystem::path regions;
  std::filesystem::path groups;
  std::filesystem::path taxonomy;
};

struct RuleGlob {
  std::string written;            // as in the file: "rules/*.yaml"
  std::filesystem::path pattern;  // absolute: "/etc/vigia/rules/*.yaml"
  SourcePos pos;                  // for "matches no file" and the like
};

struct StorageConfig {
  std::filesystem::path path;  // absolute; default <config folder>/var/vigia.db
  DurationUs retention = 730 * kDay;
  SyncMode sync = SyncMode::kFull;
};

struct EngineConfig {
  DurationUs allowed_lateness = kHour;  // at most 30d (rules.md)
  DurationUs max_future_skew = 5 * kMinute;
  DurationUs startup_grace = 5 * kMinute;  // may be 0: overdue deadlines fire at once
};

struct ZmqBind {
  std::string endpoint;  // ready for zmq_bind: "tcp://127.0.0.1:7701", "ipc:///abs/path"
  ZmqMode mode = ZmqMode::kAck;
  SourcePos pos;  // of the endpoint, for "bind failed" messages
};

struct CurveAuth {
  std::filesystem::path curve_secret_key_file;  // absolute
  std::filesystem::path clients_dir;            // absolute
};

// A JSON Lines file the daemon tails, for integrators that can only drop files.
struct TailedFile {
  std::filesystem::path path;  // absolute
  TailFrom from = TailFrom::kStart;
  SourcePos pos;
};

struct IngestConfig {
  std::vector<ZmqBind> zmq;
  uint64_t max_message = 64 * 1024;  // bytes, kMinMessageLimit..kMaxMessageLimit
  DurationUs dedup_window = 30 * kDay;
  std::optional<CurveAuth> auth;  // set: ingest sockets require CurveZMQ
  std::vector<TailedFile> files;
};

struct AlertsConfig {
  std::string publish;  // PUB endpoint, as ZmqBind::endpoint
  // set: subscribers must use CurveZMQ with a public key in clients_dir
  // (operators' keys; `vigia keygen`); the server key as for ingest.
  std::optional<CurveAuth> auth;
  SourcePos pos;
};

struct HttpConfig {
  std::string bind;  // "127.0.0.1:7780", as written
  std::string host;  // "127.0.0.1", "::1" (no brackets), "localhost"
  uint16_t port = 0;
  std::filesystem::path tokens_file;  // absolute; empty: only /healthz and /metrics
  // set: HTTPS only (OpenSSL), with this PEM certificate chain and private key.
  struct Tls {
    std::filesystem::path cert, key;  // absolute
  };
  std::optional<Tls> tls;
  SourcePos pos;
};

struct LogConfig {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
};

struct Config {
  std::filesystem::path file;      // absolute, as loaded
  std::filesystem::path base_dir;  // file's folder: relative paths were resolved against it
  std::string node;                // default: this machine's host name
  CatalogPaths catalogs;
  std::vector<RuleGlob> rules;
  StorageConfig storage;
  EngineConfig engine;
  IngestConfig ingest;
  std::optional<AlertsConfig> alerts;      // absent: no alert stream
  std::optional<HttpConfig> http;          // absent: no HTTP API
  std::optional<NotifierConfig> notifier;  // absent: alerts are not sent anywhere
  LogConfig log;
};

// Reads and checks `file`. ok() iff there is no error; diagnostics() holds every
// problem of the file at once.
LoadResult<Config> LoadConfig(const std::filesystem::path& file);

// Checks `yaml` as if it were the content of `file` (relative paths resolve
// against its folder; diagnostics name it). The file itself is not read.
LoadResult<Config> ParseConfig(std::string_view yaml, const std::filesystem::path& file);

// The text of config/vigia.yaml, embedded at build time. Static storage.
std::string_view DefaultConfigYaml();

// DefaultConfigYaml() parsed as if it were `base_dir`/vigia.yaml. It is checked
// by the tests, so it cannot fail; if it ever did, this aborts with the diagnostics.
Config DefaultConfig(const std::filesystem::path& base_dir);

}  // namespace vigia::config
