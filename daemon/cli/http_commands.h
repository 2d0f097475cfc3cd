// SPDX-License-Identifier: Apache-2.0
// The `vigia` subcommands that go through vigiad's HTTP API (daemon.md, "CLI"),
// and `vigia token`, which writes the API's tokens file. Each prints results to
// `out` and problems to `err` (one line naming what happened) and returns the
// exit code: 0 success; 1 the daemon refused or could not be reached; 2 bad usage.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace vigia::cli {

inline constexpr const char* kDefaultApiUrl = "http://127.0.0.1:7780";
inline constexpr const char* kTokenEnv = "VIGIA_TOKEN";

// How to reach vigiad. The token is never a command-line argument (ps shows
// those to every user): it comes from `token_file`, else from $VIGIA_TOKEN.
struct ApiOptions {
  std::string url;          // empty: http.bind of `config_file`, else kDefaultApiUrl
  std::string config_file;  // vigia.yaml; also names the token's role on a 403
  std::string token_file;   // a file holding the token alone
};

// `vigia alerts [filters]`: newest first, one line per alert. `vigia alerts ID`:
// one alert with its history.
struct AlertsOptions {
  ApiOptions api;
  std::string id;  // set: that alert only (no filters)
  std::string status, region, group, level, since;
  bool json = false;  // print the API's JSON instead
};
int RunAlerts(const AlertsOptions& options, std::ostream& out, std::ostream& err);

// `vigia ack ID`, `vigia resolve ID`.
struct ChangeAlertOptions {
  ApiOptions api;
  std::string id;
  std::string by;  // empty: $USER
  std::string note;
};
int RunAck(const ChangeAlertOptions& options, std::ostream& out, std::ostream& err);
int RunResolve(const ChangeAlertOptions& options, std::ostream& out, std::ostream& err);

// `vigia deadletters`: the rejected messages, newest first.
struct DeadLettersOptions {
  ApiOptions api;
  size_t limit = 20;  // 0: all the daemon returns
  bool json = false;
};
int RunDeadLetters(const DeadLettersOptions& options, std::ostream& out, std::ostream& err);

// `vigia rules`: the loaded rules with their counters.
struct RulesOptions {
  ApiOptions api;
  bool json = false;
};
int RunRules(const RulesOptions& options, std::ostream& out, std::ostream& err);

// `vigia reload`: reloads the rules; on refusal prints the diagnostics, exit 1.
int RunReload(const ApiOptions& options, std::ostream& out, std::ostream& err);

// `vigia silence add`: no notifications for the alerts that match every given
// matcher (notifier.md, "Silences"), from `from` for `for_duration` or until
// `until`. Prints the new silence's id on `out`, what it covers on `err`.
struct SilenceAddOptions {
  ApiOptions api;
  // Matchers: at least one list not empty.
  std::vector<std::string> level, region, group, rule, subject;
  std::string for_duration;  // "90s", "15m", "2h", "1d"; or
  std::string until;         // RFC 3339; exactly one of the two
  std::string from;          // RFC 3339; empty: now
  std::string by;            // empty: $USER
  std::string reason;
  bool json = false;  // print the new silence's JSON instead
};
int RunSilenceAdd(const SilenceAddOptions& options, std::ostream& out, std::ostream& err);

// `vigia silence list`: the active and future silences, one line each.
struct SilenceListOptions {
  ApiOptions api;
  bool json = false;
};
int RunSilenceList(const SilenceListOptions& options, std::ostream& out, std::ostream& err);

// `vigia silence rm ID`: ends the silence now.
struct SilenceRmOptions {
  ApiOptions api;
  std::string id;
  std::string by;  // empty: vigiad records the token's name
};
int RunSilenceRm(const SilenceRmOptions& options, std::ostream& out, std::ostream& err);

// `vigia token NAME ROLE`: appends the SHA-256 of a new random token to the
// tokens file (created with mode 0600 when absent; replaced atomically, only
// if it still parses) and prints the token once on `out`.
struct TokenOptions {
  std::string name, role;
  std::string tokens_file;  // empty: http.tokens_file of `config_file`
  std::string config_file;
  std::vector<std::string> sources, regions;  // integrator limits
};
int RunToken(const TokenOptions& options, std::ostream& out, std::ostream& err);

}  // namespace vigia::cli
