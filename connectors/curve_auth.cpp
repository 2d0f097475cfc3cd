// SPDX-License-Identifier: Apache-2.0
#include "connectors/curve_auth.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>
#include <zmq.h>

namespace vigia::connectors {
namespace {

constexpr size_t kZ85KeyLength = 40;
constexpr size_t kBinaryKeyLength = 32;
// Key files are a few lines; anything larger is not one.
constexpr std::streamsize kMaxKeyFile = 64 * 1024;

Result<std::string, std::string> ReadSmallFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return MakeError("cannot read " + file.string());
  std::string text(kMaxKeyFile + 1, '\0');
  in.read(text.data(), kMaxKeyFile + 1);
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > static_cast<size_t>(kMaxKeyFile)) return MakeError(file.string() + " is too large for a key file");
  return text;
}

// The mapping in `text`, or why not. yaml-cpp's exceptions stop here.
Result<YAML::Node, std::string> ParseMap(std::string_view text) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap()) return MakeError(std::string("expected a mapping such as 'public: \"...\"'"));
    return root;
  } catch (const YAML::Exception& e) {
    return MakeError("not valid YAML (line " + std::to_string(e.mark.line + 1) + ")");
  }
}

std::optional<std::string> Scalar(const YAML::Node& node) {
  if (!node.IsScalar()) return std::nullopt;
  return node.Scalar();
}

// A scalar or a list of scalars.
std::optional<std::vector<std::string>> Scalars(const YAML::Node& node) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      if (!item.IsScalar() || item.Scalar().empty()) return std::nullopt;
      out.push_back(item.Scalar());
    }
  } else {
    return std::nullopt;
  }
  return out;
}

}  // namespace

bool DecodeKey(std::string_view text, std::string* binary) {
  if (text.size() != kZ85KeyLength) return false;
  const std::string z85(text);  // zmq_z85_decode wants a terminated string
  std::array<uint8_t, kBinaryKeyLength> out{};
  if (zmq_z85_decode(out.data(), z85.c_str()) == nullptr) return false;
  if (binary) binary->assign(reinterpret_cast<const char*>(out.data()), out.size());
  return true;
}

bool IsClientName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
  });
}

Result<CurveKeyPair, std::string> GenerateKeyPair() {
  std::array<char, kZ85KeyLength + 1> pub{}, sec{};
  if (zmq_curve_keypair(pub.data(), sec.data()) != 0)
    return MakeError(std::string("this libzmq has no CurveZMQ support: ") + zmq_strerror(zmq_errno()));
  return CurveKeyPair{pub.data(), sec.data()};
}

Result<CurveKeyPair, std::string> LoadKeyPair(const std::filesystem::path& file, bool private_file) {
  if (private_file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return MakeError("cannot read " + file.string());
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
      std::ostringstream mode;
      mode << std::oct << (st.st_mode & 0777);
      return MakeError("the secret key file " + file.string() + " may be read by group or others (mode 0" +
                       mode.str() + "); run: chmod 600 " + file.string());
    }
  }
  auto text = ReadSmallFile(file);
  if (!text) return MakeError(text.error());
  auto root = ParseMap(*text);
  if (!root) return MakeError(file.string() + ": " + root.error());
  CurveKeyPair pair;
  for (const auto& kv : *root) {
    const std::string key = kv.first.as<std::string>("");
    std::optional<std::string> value = Scalar(kv.second);
    if (key == "public" || key == "secret") {
      if (!value || !DecodeKey(*value))
        return MakeError(file.string() + ": '" + key + "' is not a Z85 key (40 characters)");
      (key == "public" ? pair.public_key : pair.secret_key) = *value;
    } else {
      return MakeError(file.string() + ": unknown key '" + key + "' (expected public and secret)");
    }
  }
  if (pair.public_key.empty() || pair.secret_key.empty())
    return MakeError(file.string() + ": needs both 'public' and 'secret' (a file made by vigia keygen)");
  std::array<char, kZ85KeyLength + 1> derived{};
  if (zmq_curve_public(derived.data(), pair.secret_key.c_str()) != 0 ||
      pair.public_key != derived.data())
    return MakeError(file.string() + ": the public key does not belong to the secret key");
  return pair;
}

Result<std::string, std::string> LoadPublicKey(const std::filesystem::path& file) {
  auto text = ReadSmallFile(file);
  if (!text) return MakeError(text.error());
  auto root = ParseMap(*text);
  if (!root) return MakeError(file.string() + ": " + root.error());
  std::optional<std::string> value;
  if (const YAML::Node node = (*root)["public"]) value = Scalar(node);
  if (!value || !DecodeKey(*value))
    return MakeError(file.string() + ": needs 'public: <Z85 key, 40 characters>'");
  return *value;
}

Result<ClientKey, std::string> ParseClientKey(std::string name, std::string_view yaml) {
  auto root = ParseMap(yaml);
  if (!root) return MakeError(root.error());
  ClientKey key;
  key.name = std::move(name);
  bool has_source = false;
  for (const auto& kv : *root) {
    const std::string field = kv.first.as<std::string>("");
    if (field == "public") {
      std::optional<std::string> value = Scalar(kv.second);
      if (!value || !DecodeKey(*value)) return MakeError(std::string("'public' is not a Z85 key (40 characters)"));
      key.public_key = *value;
    } else if (field == "source" || field == "sources") {
      if (has_source) return MakeError(std::string("give 'source' or 'sources', not both"));
      has_source = true;
      auto values = Scalars(kv.second);
      if (!values || values->empty() ||
          std::any_of(values->begin(), values->end(), [](const auto& s) { return s.empty() || s.size() > 64; }))
        return MakeError("'" + field + "' must be a source name or a list of them");
      key.sources = std::move(*values);
    } else if (field == "regions" || field == "region") {
      auto values = Scalars(kv.second);
      if (!values || values->empty()) return MakeError("'" + field + "' must be a region code or a list of them");
      key.regions = std::move(*values);
    } else if (field == "secret") {
      return MakeError(std::string("holds a secret key: copy NAME.pub.yaml here, never NAME.key"));
    } else {
      return MakeError("unknown key '" + field + "' (expected public, source or sources, regions)");
    }
  }
  if (key.public_key.empty()) return MakeError(std::string("needs 'public: <Z85 key>'"));
  return key;
}

std::string_view ForbiddenField(const ClientKey& key, std::string_view source,
                                std::string_view region) {
  if (std::find(key.sources.begin(), key.sources.end(), source) == key.sources.end()) return "source";
  if (key.regions && std::find(key.regions->begin(), key.regions->end(), region) == key.regions->end())
    return "region";
  return {};
}

ClientKeySet::ClientKeySet(std::vector<ClientKey> keys) : keys_(std::move(keys)) {
  for (size_t i = 0; i < keys_.size(); ++i) {
    std::string binary;
    if (DecodeKey(keys_[i].public_key, &binary)) by_binary_.emplace(std::move(binary), i);
    by_name_.emplace(keys_[i].name, i);
  }
}

const ClientKey* ClientKeySet::FindByBinaryKey(std::string_view binary) const {
  auto it = by_binary_.find(std::string(binary));
  return it == by_binary_.end() ? nullptr : &keys_[it->second];
}

const ClientKey* ClientKeySet::FindByName(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &keys_[it->second];
}

Result<std::shared_ptr<const ClientKeySet>, std::vector<std::string>> LoadClientKeys(
    const std::filesystem::path& dir) {
  std::vector<std::string> errors;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string file_name = it->path().filename().string();
    if (file_name.size() > 5 && file_name.ends_with(".yaml") && file_name.front() != '.')
      files.push_back(it->path());
  }
  if (ec) return MakeError(std::vector<std::string>{"cannot read the clients_dir " + dir.string() + ": " + ec.message()});
  std::sort(files.begin(), files.end());
  std::vector<ClientKey> keys;
  std::set<std::string> names, publics;
  for (const auto& file : files) {
    std::string name = file.filename().string();
    name.resize(name.size() - (name.ends_with(".pub.yaml") ? 9 : 5));
    if (!IsClientName(name)) {
      errors.push_back(file.string() + ": the file name must be NAME.pub.yaml with NAME of letters, digits, '.', '_', '-'");
      continue;
    }
    auto text = ReadSmallFile(file);
    if (!text) {
      errors.push_back(text.error());
      continue;
    }
    auto key = ParseClientKey(name, *text);
    if (!key) {
      errors.push_back(file.string() + ": " + key.error());
      continue;
    }
    if (!names.insert(name).second) {
      errors.push_back(file.string() + ": client '" + name + "' is given twice");
      continue;
    }
    if (!publics.insert(key->public_key).second) {
      errors.push_back(file.string() + ": the same public key is in another file of " + dir.string());
      continue;
    }
    keys.push_back(std::move(*key));
  }
  if (!errors.empty()) return MakeError(std::move(errors));
  return std::make_shared<const ClientKeySet>(std::move(keys));
}

void MakeCurveServer(zmq::socket_t& socket, const CurveServerKeys& keys) {
  socket.set(zmq::sockopt::curve_server, true);
  socket.set(zmq::sockopt::curve_secretkey, keys.secret_key);
  socket.set(zmq::sockopt::zap_domain, keys.zap_domain);
}

void MakeCurveClient(zmq::socket_t& socket, const CurveKeyPair& client,
                     const std::string& server_public) {
  socket.set(zmq::sockopt::curve_serverkey, server_public);
  socket.set(zmq::sockopt::curve_publickey, client.public_key);
  socket.set(zmq::sockopt::curve_secretkey, client.secret_key);
}

}  // namespace vigia::connectors
