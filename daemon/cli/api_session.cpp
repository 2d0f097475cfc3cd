// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/api_session.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "daemon/cli/common.h"
#include "daemon/http/tokens.h"

namespace vigia::cli {
namespace {

std::string Trim(std::string s) {
  const char* kSpace = " \t\r\n";
  const size_t first = s.find_first_not_of(kSpace);
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

// A token goes into an HTTP header: printable ASCII without spaces.
bool UsableToken(const std::string& token) {
  for (char c : token)
    if (c <= ' ' || c > '~') return false;
  return !token.empty();
}

// The token from --token-file, else $VIGIA_TOKEN. Never echoes it.
Result<std::string, int> ReadToken(const ApiOptions& options, std::ostream& err) {
  std::string token, from;
  if (!options.token_file.empty()) {
    from = "token file '" + options.token_file + "'";
    std::ifstream in(options.token_file, std::ios::binary);
    if (!in) {
      err << "vigia: cannot read " << from << "\n";
      return MakeError(kExitUsage);
    }
    std::ostringstream text;
    text << in.rdbuf();
    token = Trim(text.str());
    struct stat st {};
    if (::stat(options.token_file.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
      err << "vigia: warning: " << from << " can be read by other users; chmod 600 it\n";
  } else if (const char* env = std::getenv(kTokenEnv); env && *env) {
    from = std::string("$") + kTokenEnv;
    token = Trim(env);
  } else {
    err << "vigia: no API token: set " << kTokenEnv
        << " or pass --token-file FILE (`vigia token NAME ROLE` makes one)\n";
    return MakeError(kExitUsage);
  }
  if (!UsableToken(token)) {
    err << "vigia: " << from
        << (token.empty() ? " is empty" : " must hold the token alone, on one line") << "\n";
    return MakeError(kExitUsage);
  }
  return token;
}

// http.bind → a URL to connect to: a wildcard address means this machine.
std::string UrlOfBind(const config::HttpConfig& http) {
  std::string host = http.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(http.port);
}

}  // namespace

std::optional<config::Config> LoadConfigOrReport(const std::string& file, std::ostream& err) {
  auto loaded = config::LoadConfig(file);
  if (!loaded.ok()) {
    err << RenderText(loaded.diagnostics(), true, "config not used");
    return std::nullopt;
  }
  return std::move(loaded).value();
}

Result<ApiSession, int> ApiSession::Open(const ApiOptions& options, std::ostream& err) {
  std::string url = options.url;
  std::filesystem::path tokens_file;
  if (!options.config_file.empty()) {
    auto config = LoadConfigOrReport(options.config_file, err);
    if (!config) return MakeError(kExitUsage);
    if (config->http) {
      tokens_file = config->http->tokens_file;
      if (url.empty()) url = UrlOfBind(*config->http);
    } else if (url.empty()) {
      err << "vigia: " << options.config_file
          << " has no http section: vigiad serves no HTTP API (or pass --url)\n";
      return MakeError(kExitUsage);
    }
  }
  if (url.empty()) url = kDefaultApiUrl;
  auto parsed = ParseHttpUrl(url);
  if (!parsed) {
    err << "vigia: --url '" << url << "': " << parsed.error() << "\n";
    return MakeError(kExitUsage);
  }
  auto token = ReadToken(options, err);
  if (!token) return MakeError(token.error());
  return ApiSession(HttpClient(std::move(*parsed), *token), *token, std::move(tokens_file));
}

std::string ApiSession::RoleOfToken() const {
  if (tokens_file_.empty()) return {};
  auto loaded = daemon::http::LoadTokenFile(tokens_file_);
  if (!loaded.ok()) return {};
  const auto* entry = loaded.value().Find(token_);
  return entry ? std::string(daemon::http::ToString(entry->role)) : std::string();
}

Result<HttpReply, int> ApiSession::Call(HttpMethod method, const std::string& target,
                                        const std::string& body, const ApiAction& action,
                                        std::ostream& err, unsigned also) const {
  auto reply = client_.Send(method, target, body);
  const std::string& url = client_.url().text;
  if (!reply) {
    if (reply.error().connected) {
      err << "vigia: vigiad at " << url << " did not answer: " << reply.error().reason << "\n";
    } else {
      err << "vigia: cannot reach vigiad at " << url << ": " << reply.error().reason << "\n";
    }
    return MakeError(kExitProblems);
  }
  const unsigned status = reply->status;
  if ((status >= 200 && status < 300) || status == also) return std::move(*reply);
  const std::string why = ErrorText(reply->body);
  err << "vigia: ";
  switch (status) {
    case 400:
      err << "vigiad refused the request: " << why << "\n";
      return MakeError(kExitUsage);
    case 401:
      err << "vigiad does not know the token (401): check it, and that its hash is in vigiad's "
             "tokens file (read at start and on SIGHUP)\n";
      break;
    case 403: {
      const std::string role = RoleOfToken();
      err << "the token is not allowed to " << action.verb
          << " (forbidden: " << (role.empty() ? "" : "role " + role + ", ") << "needs "
          << action.need << ")\n";
      break;
    }
    case 404:
    case 405:  // an older or newer vigiad, or another server on that port
      if (status == 404 && !action.id.empty() && why != "no such route") {
        err << action.what << " " << action.id << " not found\n";
      } else {
        err << "vigiad at " << url << " has no route " << target << " (" << why
            << "); is it an older version?\n";
      }
      break;
    case 409:
      if (action.id.empty())
        err << "cannot " << action.verb << ": " << why << "\n";
      else
        err << "cannot " << action.change << " " << action.what << " " << action.id << ": " << why
            << "\n";
      break;
    case 503:
      err << "vigiad cannot " << action.verb << " now: " << why << "\n";
      break;
    default:
      err << "vigiad could not " << action.verb << " (HTTP " << status << "): " << why << "\n";
  }
  return MakeError(kExitProblems);
}

Result<boost::json::value, int> ApiSession::ParseJson(const HttpReply& reply,
                                                      std::ostream& err) const {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(reply.body, ec);
  if (ec) {
    err << "vigia: vigiad at " << client_.url().text << " answered something that is not JSON\n";
    return MakeError(kExitProblems);
  }
  return v;
}

std::string ErrorText(const std::string& body) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    if (const auto* e = v.as_object().if_contains("error")) {
      if (e->is_string()) return std::string(e->as_string());
      if (e->is_object())
        if (const auto* m = e->as_object().if_contains("message"); m && m->is_string())
          return std::string(m->as_string());
    }
  }
  std::string text = body.size() > 200 ? body.substr(0, 200) + "..." : body;
  for (char& c : text)
    if (c < ' ') c = ' ';
  return text.empty() ? "no details" : text;
}

}  // namespace vigia::cli
