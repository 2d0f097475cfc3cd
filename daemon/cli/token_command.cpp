// SPDX-License-Identifier: Apache-2.0
// `vigia token NAME ROLE`: a new HTTP API token. Only its SHA-256 goes into the
// tokens file; the token itself is printed once and kept nowhere.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <openssl/rand.h>

#include "daemon/cli/api_session.h"
#include "daemon/cli/common.h"
#include "daemon/cli/http_commands.h"
#include "daemon/http/tokens.h"

namespace vigia::cli {
namespace {

namespace fs = std::filesystem;
namespace vh = daemon::http;

constexpr size_t kTokenBytes = 32;
constexpr const char* kTokenPrefix = "vgt_";
constexpr const char* kNewFileHeader =
    "# vigiad's HTTP API tokens: SHA-256 hashes only. `vigia token NAME ROLE` adds one;\n"
    "# vigiad reads this file at start and on SIGHUP.\n"
    "tokens:\n";

std::string Base64Url(const unsigned char* data, size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (size_t i = 0; i < size; ++i) {
    bits = (bits << 8) | data[i];
    count += 8;
    while (count >= 6) {
      count -= 6;
      out.push_back(kAlphabet[(bits >> count) & 63]);
    }
  }
  if (count > 0) out.push_back(kAlphabet[(bits << (6 - count)) & 63]);
  return out;
}

// A YAML scalar for a flow mapping: plain when it is a simple name, else a
// double-quoted string (JSON's escapes are YAML's).
std::string Scalar(const std::string& text) {
  bool plain = !text.empty() && std::isalpha(static_cast<unsigned char>(text[0]));
  for (char c : text)
    plain =
        plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  return plain ? text : boost::json::serialize(boost::json::string(text));
}

std::string FlowList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + Scalar(items[i]);
  return out + "]";
}

bool Printable(const std::string& text) {
  for (char c : text)
    if (c < ' ' || c == 127) return false;
  return true;
}

// The indentation of the last "- " entry line, so the new one joins the same list.
std::string EntryIndent(const std::string& text) {
  std::string indent = "  ";
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const size_t first = line.find_first_not_of(' ');
    if (first != std::string::npos && line.compare(first, 2, "- ") == 0)
      indent = line.substr(0, first);
  }
  return indent;
}

// Writes `text` to a new file beside `path` and renames it over `path`, so a
// reader sees the old file or the new one, never a part.
std::string ReplaceFile(const fs::path& path, const std::string& text, mode_t mode,
                        const struct stat* owner, std::ostream& err) {
  if (!path.parent_path().empty() && ::mkdir(path.parent_path().c_str(), 0700) != 0 && errno != EEXIST)
    return "cannot create the folder " + path.parent_path().string() + ": " + std::strerror(errno);
  std::string tmp = path.string() + ".XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0)
    return "cannot create a file in " + path.parent_path().string() + ": " + std::strerror(errno);
  auto fail = [&](const std::string& what) {
    const std::string reason = what + ": " + std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return reason;
  };
  if (::fchmod(fd, mode) != 0) return fail("cannot set the mode");
  if (owner && (owner->st_uid != ::geteuid() || owner->st_gid != ::getegid()) &&
      ::fchown(fd, owner->st_uid, owner->st_gid) != 0)
    err << "vigia token: warning: could not keep the owner and group of " << path.string() << " ("
        << std::strerror(errno) << "); check that vigiad can still read it\n";
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot sync");
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return std::string("cannot close: ") + std::strerror(errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::string("cannot replace it: ") + std::strerror(errno);
    ::unlink(tmp.c_str());
    return reason;
  }
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY); dfd >= 0) {
    ::fsync(dfd);  // the rename itself survives a crash
    ::close(dfd);
  }
  return {};
}

}  // namespace

int RunToken(const TokenOptions& options, std::ostream& out, std::ostream& err) {
  const auto role = vh::ParseRole(options.role);
  if (!role) {
    err << "vigia token: unknown role '" << options.role
        << "'; roles are viewer, operator, integrator and admin\n";
    return kExitUsage;
  }
  if (options.name.empty() || options.name.size() > 64 || !Printable(options.name) ||
      options.name.front() == ' ' || options.name.back() == ' ') {
    err << "vigia token: the name must be 1 to 64 printable characters, such as chihuahua-ops\n";
    return kExitUsage;
  }
  for (const auto* list : {&options.sources, &options.regions})
    for (const std::string& item : *list)
      if (item.empty() || !Printable(item)) {
        err << "vigia token: --source and --region take non-empty names\n";
        return kExitUsage;
      }
  if ((!options.sources.empty() || !options.regions.empty()) && *role != vh::Role::kIntegrator &&
      *role != vh::Role::kAdmin) {
    err << "vigia token: --source and --region limit the events a token may post; a "
        << options.role << " token posts none\n";
    return kExitUsage;
  }

  fs::path path = options.tokens_file;
  if (path.empty() && !options.config_file.empty()) {
    auto config = LoadConfigOrReport(options.config_file, err);
    if (!config) return kExitUsage;
    if (config->http) path = config->http->tokens_file;
    if (path.empty()) {
      err << "vigia token: " << options.config_file
          << " sets no http.tokens_file; pass --tokens-file FILE (and set tokens_file for "
             "vigiad)\n";
      return kExitUsage;
    }
  }
  if (path.empty()) {
    err << "vigia token: which tokens file? pass --tokens-file FILE, or --config FILE to use its "
           "http.tokens_file\n";
    return kExitUsage;
  }
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(path, ec))) {
    const fs::path link = path;
    path = fs::canonical(link, ec);  // replace the file, keep the link
    if (ec) {
      err << "vigia token: cannot follow the link " << link.string() << ": " << ec.message()
          << "\n";
      return kExitProblems;
    }
  }

  // The current file: it must parse, and the name must be new.
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  std::string text = kNewFileHeader;
  size_t before = 0;
  if (exists) {
    // An empty file is taken as a new one.
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      err << "vigia token: cannot read " << path.string() << ": " << std::strerror(errno) << "\n";
      return kExitProblems;
    }
    std::ostringstream content;
    content << in.rdbuf();
    text = content.str();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) text = kNewFileHeader;
    auto current = vh::ParseTokens(text, path.string());
    if (!current.ok()) {
      err << RenderText(current.diagnostics(), true, "tokens file not changed");
      return kExitUsage;
    }
    for (const vh::TokenEntry& e : current.value().entries())
      if (e.name == options.name) {
        err << "vigia token: " << path.string() << ":" << e.pos.line << ": a token named '"
            << options.name << "' already exists; choose another name or remove that entry\n";
        return kExitUsage;
      }
    before = current.value().entries().size();
  }

  unsigned char secret[kTokenBytes];
  if (RAND_bytes(secret, sizeof secret) != 1) {
    err << "vigia token: the system's random generator failed; no token made\n";
    return kExitProblems;
  }
  const std::string token = kTokenPrefix + Base64Url(secret, sizeof secret);
  const vh::Sha256 hash = vh::Sha256Of(token);

  std::string entry = EntryIndent(text) + "- {name: " + Scalar(options.name) +
                      ", role: " + std::string(vh::ToString(*role)) + ", sha256: \"" +
                      vh::ToHex(hash) + "\"";
  if (!options.sources.empty()) entry += ", sources: " + FlowList(options.sources);
  if (!options.regions.empty()) entry += ", regions: " + FlowList(options.regions);
  entry += "}\n";
  if (!text.empty() && text.back() != '\n') text += "\n";
  text += entry;

  // Write only what reads back as the same table plus exactly this entry.
  auto check = vh::ParseTokens(text, path.string());
  const vh::TokenEntry* added = check.ok() ? check.value().Find(token) : nullptr;
  const auto opt = [](const std::vector<std::string>& v) {
    return v.empty() ? std::nullopt : std::optional<std::vector<std::string>>(v);
  };
  if (!added || check.value().entries().size() != before + 1 || added->name != options.name ||
      added->role != *role || added->sources != opt(options.sources) ||
      added->regions != opt(options.regions)) {
    err << "vigia token: " << path.string()
        << " is not laid out as `tokens:` followed by one `- {...}` line per token, so the new "
           "entry cannot be appended safely; the file was not changed. The entry would be:\n"
        << entry;
    if (!check.ok()) err << RenderText(check.diagnostics(), true, "tokens file not changed");
    return kExitProblems;
  }
  const mode_t mode = exists ? (st.st_mode & 07777) : 0600;
  if (std::string why = ReplaceFile(path, text, mode, exists ? &st : nullptr, err); !why.empty()) {
    err << "vigia token: " << path.string() << ": " << why << "; the file was not changed\n";
    return kExitProblems;
  }
  if (mode & S_IRWXO)
    err << "vigia token: warning: " << path.string()
        << " can be read by other users; chmod o-rwx it\n";
  out << token << std::endl;
  err << "vigia token: added '" << options.name << "' (" << options.role << ") to " << path.string()
      << ". Store the token above now (for example in a file of mode 600 for --token-file): it is "
         "shown only this once. vigiad reads the tokens file at start and on SIGHUP.\n";
  return kExitOk;
}

}  // namespace vigia::cli
