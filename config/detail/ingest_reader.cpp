// SPDX-License-Identifier: Apache-2.0
// The `ingest` section: the ways events come in, and their limits.
#include <array>

#include "config/detail/reader.h"

namespace vigia::config::detail {
namespace {

constexpr std::array<std::string_view, 5> kIngestKeys = {"zmq", "max_message", "dedup_window",
                                                         "auth", "files"};
constexpr std::array<std::string_view, 2> kZmqKeys = {"bind", "mode"};
constexpr std::array<std::string_view, 2> kModeWords = {"ack", "push"};
constexpr std::array<std::string_view, 2> kAuthKeys = {"curve_secret_key_file", "clients_dir"};
constexpr std::array<std::string_view, 2> kFileKeys = {"path", "from"};
constexpr std::array<std::string_view, 2> kFromWords = {"start", "end"};

std::string ItemName(const Entry& list, size_t i) {
  return list.name + "[" + std::to_string(i) + "]";
}

}  // namespace

void Reader::ReadIngest(const Entry& e) {
  if (!c_.ExpectMap(e)) return;
  Checker::Scope scope(c_, e.name);
  for (const Entry& f : c_.Entries(e.value, kIngestKeys)) {
    if (f.name == "zmq") {
      ReadZmq(f);
    } else if (f.name == "max_message") {
      if (auto size = c_.Size(f, kMinMessageLimit, kMaxMessageLimit)) {
        config_.ingest.max_message = *size;
      }
    } else if (f.name == "dedup_window") {
      if (auto d = c_.Duration(f)) config_.ingest.dedup_window = *d;
    } else if (f.name == "auth") {
      config_.ingest.auth = ReadAuth(f);
    } else {
      ReadFiles(f);
    }
  }
}

void Reader::ReadZmq(const Entry& e) {
  if (!c_.ExpectList(e)) {
    ++ways_in_;  // meant as one: its own error is enough, no "nothing to receive on"
    return;
  }
  for (size_t i = 0; i < e.value.size(); ++i) {
    Entry item{ItemName(e, i), e.value[i], e.value[i]};
    ++ways_in_;
    if (!c_.ExpectMap(item)) continue;
    Checker::Scope scope(c_, item.name);
    std::vector<Entry> entries = c_.Entries(item.value, kZmqKeys);
    bool ok = Require(item.value, entries, {"bind", "mode"});
    ZmqBind bind;
    for (const Entry& f : entries) {
      if (f.name == "bind") {
        std::optional<Endpoint> endpoint = ZmqEndpoint(f);
        ok = ok && endpoint.has_value();
        if (endpoint) {
          bind.endpoint = endpoint->text;
          bind.pos = c_.PosOf(Checker::Anchor(f));
        }
      } else {
        std::optional<size_t> mode = c_.Choice(f, kModeWords);
        ok = ok && mode.has_value();
        if (mode) bind.mode = static_cast<ZmqMode>(*mode);
      }
    }
    if (ok) config_.ingest.zmq.push_back(std::move(bind));
  }
}

std::optional<CurveAuth> Reader::ReadAuth(const Entry& e) {
  if (!c_.ExpectMap(e)) return std::nullopt;
  Checker::Scope scope(c_, e.name);
  std::vector<Entry> entries = c_.Entries(e.value, kAuthKeys);
  // Half a Curve setup is a mistake, not a request for no authentication.
  bool ok = Require(e.value, entries, {"curve_secret_key_file", "clients_dir"});
  CurveAuth auth;
  for (const Entry& f : entries) {
    std::optional<std::filesystem::path> path = Path(f);
    ok = ok && path.has_value();
    if (!path) continue;
    if (f.name == "curve_secret_key_file") {
      auth.curve_secret_key_file = *path;
    } else {
      auth.clients_dir = *path;
    }
  }
  if (!ok) return std::nullopt;
  return auth;
}

void Reader::ReadFiles(const Entry& e) {
  if (!c_.ExpectList(e)) {
    ++ways_in_;  // meant as one: its own error is enough, no "nothing to receive on"
    return;
  }
  for (size_t i = 0; i < e.value.size(); ++i) {
    Entry item{ItemName(e, i), e.value[i], e.value[i]};
    ++ways_in_;
    if (!c_.ExpectMap(item)) continue;
    Checker::Scope scope(c_, item.name);
    std::vector<Entry> entries = c_.Entries(item.value, kFileKeys);
    bool ok = Require(item.value, entries, {"path"});
    TailedFile file;
    for (const Entry& f : entries) {
      if (f.name == "path") {
        std::optional<std::filesystem::path> path = Path(f);
        ok = ok && path.has_value();
        if (!path) continue;
        file.path = *path;
        file.pos = c_.PosOf(Checker::Anchor(f));
        // Tailing one file twice would read every event twice; C107 as for sockets.
        Claim(f, path->string(), std::nullopt);
      } else {
        std::optional<size_t> from = c_.Choice(f, kFromWords);
        ok = ok && from.has_value();
        if (from) file.from = static_cast<TailFrom>(*from);
      }
    }
    if (ok) config_.ingest.files.push_back(std::move(file));
  }
}

}  // namespace vigia::config::detail
