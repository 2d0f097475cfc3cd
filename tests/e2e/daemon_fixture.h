// SPDX-License-Identifier: Apache-2.0
// End-to-end fixture (STYLE.md §6): runs the real vigiad in a temp dir on
// loopback ZeroMQ endpoints and a loopback HTTP API (clients: zmq_clients.h,
// http_client.h). Every wait has a timeout and watches the daemon's log or
// sockets; nothing sleeps blindly.
//
// Thread rules: a Daemon and its clients are used by the test's thread only.
// Ownership: clients borrow a zmq::context_t (usually Daemon::context()) that
// must outlive them; declare them after the Daemon.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <zmq.hpp>

#include "zmq_clients.h"

namespace vigia::e2e {

// A loopback TCP port that was free a moment ago (bound to 127.0.0.1:0, released).
uint16_t FreePort();

// `now + offset` in RFC 3339 UTC with whole seconds: "2024-05-01T10:00:00Z".
std::string TimeFromNow(std::chrono::seconds offset = 0s);

// A valid report event (events.md): source e2e, region MX-CHH, group journalist,
// time now + `offset`. Tests edit the object to make it invalid or different.
boost::json::object ReportEvent(std::string_view id, std::string_view category = "threat",
                                std::chrono::seconds offset = 0s);
std::string Json(const boost::json::value& v);
// The string at `key`; a non-string value serialized; "<missing>" when absent.
std::string Str(const boost::json::object& o, std::string_view key);
// The strings of the array at `key` (non-strings serialized); empty when absent.
std::vector<std::string> Strings(const boost::json::object& o, std::string_view key);
// "accepted", "duplicate", the error code of an error reply, or "unparseable".
std::string ReplyKind(std::string_view reply);
// Sends `event` and fails the test unless it is answered `accepted`.
void RequireAccepted(AckClient& client, const boost::json::object& event);

// The HTTP API tokens every fixture daemon accepts (daemon.md "HTTP API"): the
// tokens file holds their SHA-256 only; tests present these secrets.
inline constexpr const char* kViewerToken = "e2e-viewer-secret";
inline constexpr const char* kOperatorToken = "e2e-operator-secret";
// Limited to source e2e (ReportEvent's) and region MX-CHH.
inline constexpr const char* kIntegratorToken = "e2e-integrator-secret";
inline constexpr const char* kAdminToken = "e2e-admin-secret";

struct ApiToken {
  std::string name, role, secret;
  std::string limits;  // more keys of the entry, e.g. "sources: [e2e], regions: [MX-CHH]"
};
// The four tokens above, one per role, named e2e-viewer, e2e-operator, ...
std::vector<ApiToken> DefaultTokens();
// Lower-case hex SHA-256, as a tokens file stores it.
std::string Sha256Hex(std::string_view text);
// A tokens file (daemon/http/tokens.h) with one entry per token.
std::string TokensYaml(const std::vector<ApiToken>& tokens);

struct RuleFile {
  std::string name;  // under <dir>/rules/, e.g. "main.yaml"
  std::string yaml;
};

// One vigiad process and its temp dir (mkdtemp under /tmp): vigia.yaml, rules/,
// var/, tokens.yaml, stderr.log, stdout.log. The config binds an ack endpoint, a
// push endpoint (tcp, free loopback ports), an ack endpoint on
// ipc://<dir>/ingest, the alert stream, and the HTTP API on 127.0.0.1 (a free
// port) with the DefaultTokens(). Non-copyable; the destructor SIGKILLs a
// running daemon and removes the dir.
class Daemon {
 public:
  // Writes the dir, the default config and the rule files; does not start.
  Daemon() : Daemon(std::initializer_list<RuleFile>{}) {}
  explicit Daemon(std::initializer_list<RuleFile> rules);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path config_path() const { return dir_ / "vigia.yaml"; }
  // The config written by the constructor, with its endpoints.
  std::string DefaultConfig() const;
  void WriteConfig(std::string_view yaml);
  void WriteRuleFile(const RuleFile& file);
  std::filesystem::path tokens_path() const { return dir_ / "tokens.yaml"; }
  // Replaces tokens.yaml (the daemon reads it at start and on SIGHUP).
  void WriteTokens(const std::vector<ApiToken>& tokens);
  void RemoveRuleFile(std::string_view name);
  // Writes `text` to <dir>/`relative` (catalogs and the like).
  void WriteDirFile(const std::filesystem::path& relative, std::string_view text);

  // Adds (or replaces) `name`=`value` in the environment of the vigiad runs
  // started after this call, which otherwise inherit the test's environment
  // (e.g. for the ${VAR} references of a notifier config).
  void SetEnv(std::string name, std::string value);
  // The environment Start() gives vigiad, "NAME=value" each.
  std::vector<std::string> Environment() const;

  // fork + execve `vigiad --config <dir>/vigia.yaml [args...]`.
  // REQUIRES: not started yet.
  void Start(const std::vector<std::string>& args = {});
  // Start() and wait for daemon.ready (true) or an exit / timeout (false).
  bool StartAndWaitReady(Ms timeout = 10s);
  // Waits until the log holds `event_id` at least `count` times. False on
  // timeout or when the daemon exits first.
  bool WaitForLog(std::string_view event_id, Ms timeout, int count = 1);
  int CountLog(std::string_view event_id) const;
  std::string Stderr() const;
  std::string Stdout() const;

  void Signal(int signo);
  // SIGKILL, and wait for the exit; Start() may then run vigiad again on the
  // same dir (config, rules, database).
  void Kill();
  // The running daemon's process id (-1 when not started).
  pid_t pid() const { return pid_; }
  bool IsRunning();
  // The exit code (128 + signal when killed); nullopt if still running at the timeout.
  std::optional<int> WaitExit(Ms timeout);

  std::string AckEndpoint() const;
  std::string PushEndpoint() const;
  std::string IpcEndpoint() const;
  std::string AlertsEndpoint() const;
  uint16_t ack_port() const { return ack_port_; }
  uint16_t alerts_port() const { return alerts_port_; }
  // The HTTP API's port on 127.0.0.1.
  uint16_t HttpPort() const { return http_port_; }

  zmq::context_t& context() { return context_; }
  // A SUB on the alert stream for `prefixes`, returned once a probe alert
  // proves the subscription is live (fails the test after 10 s).
  SubClient Subscribe(const std::vector<std::string>& prefixes);

 private:
  std::filesystem::path dir_;
  uint16_t ack_port_ = 0, push_port_ = 0, alerts_port_ = 0, http_port_ = 0;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  int probe_seq_ = 0;
  std::vector<std::pair<std::string, std::string>> env_;  // SetEnv()'s
  zmq::context_t context_{1};
};

struct CommandResult {
  int exit = -1;  // 128 + signal when killed; -1 on timeout
  std::string out, err;
};

// Runs `argv` (argv[0] a path) with environment `env` ("NAME=value"; the
// test's own when empty), stdin /dev/null, killing it after `timeout`.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& env = {}, Ms timeout = std::chrono::seconds(30));

}  // namespace vigia::e2e
