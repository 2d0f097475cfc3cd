// SPDX-License-Identifier: Apache-2.0
// CurveZMQ keys (daemon.md "ZeroMQ", "CurveZMQ"): the server's key pair and the
// clients' public keys, each naming what its holder may send. Keys are
// ZeroMQ's Z85 text (40 characters for 32 bytes) in small YAML files:
//
//   NAME.key (`vigia keygen`; the server's curve_secret_key_file; a client's
//   --client-key). Mode 0600: the daemon refuses a server key file that group
//   or others may access.
//     public: "<40 Z85 chars>"
//     secret: "<40 Z85 chars>"
//
//   NAME.pub.yaml in clients_dir (any *.yaml there; the client is NAME, the
//   file name without .pub.yaml or .yaml). No `secret`.
//     public: "<40 Z85 chars>"
//     source: red-tdt          # or sources: [red-tdt, red-tdt-2]; absent: none
//     regions: [MX-CHH]        # absent: any region
//
// On the alert stream a client file's source and regions are ignored: every
// listed key may subscribe.
// Thread rules: the loaders are pure functions; a ClientKeySet is immutable and
// shared through a ClientKeyHandle (the controller stores, others load).
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "core/result.h"

namespace vigia::connectors {

// ZAP domains of vigiad's Curve sockets (one ZAP handler serves both).
inline constexpr const char* kIngestZapDomain = "vigia.ingest";
inline constexpr const char* kAlertsZapDomain = "vigia.alerts";

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 chars
  std::string secret_key;  // Z85, 40 chars
};

// A fresh key pair (zmq_curve_keypair). Error: libzmq was built without Curve.
Result<CurveKeyPair, std::string> GenerateKeyPair();

// Reads a key pair file. With `private_file` (the daemon's own key), refuses a
// file that group or others may access. Checks that the secret key matches the
// public one. Error: one line naming the file, never a key.
Result<CurveKeyPair, std::string> LoadKeyPair(const std::filesystem::path& file, bool private_file);

// The `public` key of a key file or a client file (e.g. the server's public key
// for `vigia push --server-key`). Error: one line naming the file.
Result<std::string, std::string> LoadPublicKey(const std::filesystem::path& file);

// Whether `text` is a Z85 encoded 32-byte key; sets `binary` (32 bytes) if given.
bool DecodeKey(std::string_view text, std::string* binary = nullptr);

// Whether `name` may name a client: 1-64 of [A-Za-z0-9._-], not starting with '.'.
bool IsClientName(std::string_view name);

struct ClientKey {
  std::string name;        // logged, and the ZAP User-Id
  std::string public_key;  // Z85
  std::vector<std::string> sources;                 // empty: may send as no source
  std::optional<std::vector<std::string>> regions;  // absent: any region
};

// Parses one client file's text. Error: a message without the file's name.
Result<ClientKey, std::string> ParseClientKey(std::string name, std::string_view yaml);

// "source" or "region" when `key` may not send an event with this source and
// region (events.md `unauthorized`, its `field`); empty when it may.
std::string_view ForbiddenField(const ClientKey& key, std::string_view source,
                                std::string_view region);

// The clients of one clients_dir, by public key and by name.
class ClientKeySet {
 public:
  ClientKeySet() = default;
  // REQUIRES: names and public keys are unique (LoadClientKeys checks).
  explicit ClientKeySet(std::vector<ClientKey> keys);

  // By the 32-byte binary key a ZAP request carries; nullptr when unknown.
  const ClientKey* FindByBinaryKey(std::string_view binary) const;
  const ClientKey* FindByName(std::string_view name) const;
  size_t size() const { return keys_.size(); }

 private:
  std::vector<ClientKey> keys_;
  std::unordered_map<std::string, size_t> by_binary_, by_name_;
};

using ClientKeyHandle = std::atomic<std::shared_ptr<const ClientKeySet>>;

// Reads every *.yaml file of `dir` (not recursive; other files are ignored).
// All or nothing: any bad file, a name or a key used twice, and no set is
// returned; the errors name each file, never a key.
Result<std::shared_ptr<const ClientKeySet>, std::vector<std::string>> LoadClientKeys(
    const std::filesystem::path& dir);

// What a Curve server socket needs besides the ZAP handler.
struct CurveServerKeys {
  std::string secret_key;  // Z85
  std::string zap_domain;
};

// Makes `socket` a CurveZMQ server. REQUIRES: before bind; the ZAP handler for
// `keys.zap_domain` is serving on the socket's context. Throws zmq::error_t.
void MakeCurveServer(zmq::socket_t& socket, const CurveServerKeys& keys);

// Makes `socket` a CurveZMQ client of a server with public key `server_public`.
// Throws zmq::error_t.
void MakeCurveClient(zmq::socket_t& socket, const CurveKeyPair& client,
                     const std::string& server_public);

}  // namespace vigia::connectors
