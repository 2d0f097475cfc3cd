// SPDX-License-Identifier: Apache-2.0
// Internal to daemon/cli: the vigiad HTTP API endpoint and token resolved from
// ApiOptions, and the turning of every error reply into one line on stderr.
// Thread rules: immutable once opened.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include <boost/json/value.hpp>

#include "config/config.h"
#include "core/result.h"
#include "daemon/cli/http_client.h"
#include "daemon/cli/http_commands.h"

namespace vigia::cli {

// What a request does, for the messages of its failures.
struct ApiAction {
  std::string verb;      // "acknowledge alerts": "the token is not allowed to <verb>"
  std::string need;      // the role the route needs: viewer, operator, admin
  std::string id;        // set: a 404 means this alert (or `what`) is unknown
  std::string change;    // set with id: "acknowledge", for "cannot acknowledge alert ..."
  std::string what = "alert";  // what `id` names: "alert", "silence"
};

class ApiSession {
 public:
  // Resolves the URL (--url, else the config's http.bind, else kDefaultApiUrl)
  // and the token (--token-file, else $VIGIA_TOKEN). On failure prints one line
  // (or the config's diagnostics) to `err` and returns the exit code.
  static Result<ApiSession, int> Open(const ApiOptions& options, std::ostream& err);

  // Sends a request (`target` percent-encoded, from "/api/v1/..."). Returns the
  // reply when its status is 2xx or `also`; otherwise prints one line to `err`
  // and returns the exit code: 2 for a 400 (a bad value given), else 1.
  Result<HttpReply, int> Call(HttpMethod method, const std::string& target, const std::string& body,
                              const ApiAction& action, std::ostream& err, unsigned also = 0) const;

  // The reply's body as JSON; if it is not, prints one line and returns 1.
  Result<boost::json::value, int> ParseJson(const HttpReply& reply, std::ostream& err) const;

  const HttpUrl& url() const { return client_.url(); }

 private:
  ApiSession(HttpClient client, std::string token, std::filesystem::path tokens_file)
      : client_(std::move(client)),
        token_(std::move(token)),
        tokens_file_(std::move(tokens_file)) {}

  // The token's role as vigiad's tokens file says, when that file is readable; else "".
  std::string RoleOfToken() const;

  HttpClient client_;
  std::string token_;
  std::filesystem::path tokens_file_;  // from the config; may be empty or unreadable
};

// Loads vigia.yaml for its http section; prints the diagnostics to `err` on error.
std::optional<config::Config> LoadConfigOrReport(const std::string& file, std::ostream& err);

// The message of an API error body ({"error": "..."} or {"error": {"message": ...}}),
// else the body itself, shortened.
std::string ErrorText(const std::string& body);

}  // namespace vigia::cli
