// SPDX-License-Identifier: Apache-2.0
// `vigia keygen NAME`: a CurveZMQ key pair (connectors/curve_auth.h has the
// format): NAME.key (public + secret, mode 0600, for the client's
// --client-key or the daemon's curve_secret_key_file) and NAME.pub.yaml (the
// public key, source and regions: the file the operator copies into the
// daemon's clients_dir).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <ostream>

#include <boost/json.hpp>

#include "connectors/curve_auth.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/common.h"

namespace vigia::cli {
namespace {

namespace fs = std::filesystem;

// Plain when a simple name, else double-quoted (JSON's escapes are YAML's).
std::string Scalar(const std::string& text) {
  bool plain = !text.empty() && std::isalpha(static_cast<unsigned char>(text[0]));
  for (char c : text)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  return plain ? text : boost::json::serialize(boost::json::string(text));
}

std::string List(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + Scalar(items[i]);
  return out + "]";
}

// Creates `file` (never replacing one) with `mode` and writes `text`. Empty or why not.
std::string WriteNew(const fs::path& file, const std::string& text, mode_t mode) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return "cannot create " + file.string() + ": " + std::strerror(errno);
  ::fchmod(fd, mode);  // whatever the umask
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok) return "cannot write " + file.string() + ": " + std::strerror(errno);
  return {};
}

}  // namespace

int RunKeygen(const KeygenOptions& options, std::ostream& out, std::ostream& err) {
  if (!connectors::IsClientName(options.name)) {
    err << "vigia keygen: NAME must be 1-64 letters, digits, '.', '_' or '-' (not starting with '.')\n";
    return kExitUsage;
  }
  const fs::path dir = options.dir.empty() ? fs::path(".") : fs::path(options.dir);
  const fs::path key_file = dir / (options.name + ".key");
  const fs::path pub_file = dir / (options.name + ".pub.yaml");
  std::error_code ec;
  for (const auto& f : {key_file, pub_file}) {
    if (fs::exists(f, ec)) {
      err << "vigia keygen: " << f.string() << " already exists; remove it or choose another NAME\n";
      return kExitUsage;
    }
  }
  if (!fs::exists(dir, ec)) {
    if (!fs::create_directories(dir, ec) && ec) {
      err << "vigia keygen: cannot create " << dir.string() << ": " << ec.message() << "\n";
      return kExitUsage;
    }
    fs::permissions(dir, fs::perms::owner_all, ec);  // 0700: it holds secret keys
  }
  auto pair = connectors::GenerateKeyPair();
  if (!pair) {
    err << "vigia keygen: " << pair.error() << "\n";
    return kExitProblems;
  }
  const std::string key_text = "# vigia CurveZMQ key pair '" + options.name +
                               "': secret, keep it at mode 0600 (vigia keygen)\n"
                               "public: \"" + pair->public_key + "\"\nsecret: \"" + pair->secret_key + "\"\n";
  std::string pub_text = "# vigia CurveZMQ client '" + options.name +
                         "': copy into the daemon's clients_dir (ingest.auth or alerts.auth),\n"
                         "# then send vigiad SIGHUP. Delete it there (and SIGHUP) to revoke.\n"
                         "public: \"" + pair->public_key + "\"\n";
  if (options.sources.size() == 1) pub_text += "source: " + Scalar(options.sources[0]) + "\n";
  if (options.sources.size() > 1) pub_text += "sources: " + List(options.sources) + "\n";
  if (!options.regions.empty()) pub_text += "regions: " + List(options.regions) + "\n";
  if (std::string e = WriteNew(key_file, key_text, 0600); !e.empty()) {
    err << "vigia keygen: " << e << "\n";
    return kExitProblems;
  }
  if (std::string e = WriteNew(pub_file, pub_text, 0644); !e.empty()) {
    err << "vigia keygen: " << e << "\n";
    return kExitProblems;
  }
  out << "wrote " << key_file.string() << " (the key pair: keep it secret, with the client)\n"
      << "wrote " << pub_file.string() << " (copy it into the daemon's clients_dir, then SIGHUP vigiad)\n";
  if (options.sources.empty())
    out << "no --source: this key may subscribe to the alert stream but send no events\n";
  return kExitOk;
}

}  // namespace vigia::cli
