// SPDX-License-Identifier: Apache-2.0
#include "engine/alert.h"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>

namespace vigia::engine {

std::string ComputeAlertId(const Alert& a) {
  // Canonical JSON [rule, variant, key, [event ids]]: no whitespace, key sorted.
  boost::json::array doc;
  doc.emplace_back(a.rule);
  doc.emplace_back(a.variant);
  auto key = a.key;
  std::sort(key.begin(), key.end());
  boost::json::object k;
  for (const auto& [name, value] : key) k[name] = value;
  doc.emplace_back(std::move(k));
  boost::json::array ids;
  for (const auto& id : a.events) ids.emplace_back(id);
  doc.emplace_back(std::move(ids));
  const std::string canonical = boost::json::serialize(doc);

  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(canonical.data(), canonical.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "a-";
  for (int i = 0; i < 8; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

namespace {

boost::json::object AlertObject(const Alert& a) {
  boost::json::object o;
  o["alert"] = a.id;
  o["rule"] = a.rule;
  o["level"] = std::string(rules::ToString(a.level));
  o["status"] = a.status;
  boost::json::object key;
  for (const auto& [name, value] : a.key) key[name] = value;
  o["key"] = std::move(key);
  if (a.region) o["region"] = *a.region;
  if (!a.groups.empty()) {
    boost::json::array g;
    for (const auto& x : a.groups) g.emplace_back(x);
    o["groups"] = std::move(g);
  }
  if (a.subject) o["subject"] = *a.subject;
  o["time"] = FormatRfc3339(a.time);
  o["first_time"] = FormatRfc3339(a.first_time);
  boost::json::array ev;
  for (const auto& x : a.events) ev.emplace_back(x);
  o["events"] = std::move(ev);
  o["count"] = a.count;
  if (!a.summary.empty()) o["summary"] = a.summary;
  o["fired_at"] = FormatRfc3339(a.fired_at);
  o["variant"] = a.variant;
  o["rule_version"] = a.rule_version;
  if (a.depth > 1) o["depth"] = a.depth;
  if (a.shadow) o["shadow"] = true;
  return o;
}

}  // namespace

std::string AlertJson(const Alert& a) { return boost::json::serialize(AlertObject(a)); }

std::string ResolvedAlertJson(Alert a, const Retraction& x) {
  a.status = "resolved";
  boost::json::object o = AlertObject(a);
  boost::json::object res;
  res["reason"] = x.reason;
  res["event"] = x.event_id;
  res["late_by"] = FormatElapsed(x.late_by);
  res["at"] = FormatRfc3339(x.at);
  o["resolution"] = std::move(res);
  return boost::json::serialize(o);
}

std::string FormatElapsed(DurationUs d) {
  if (d < 0) d = 0;
  int64_t s = d / kSecond;
  std::string out;
  const std::pair<int64_t, char> units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  for (const auto& [size, unit] : units) {
    if (s >= size) {
      out += std::to_string(s / size);
      out.push_back(unit);
      s %= size;
    }
  }
  return out.empty() ? "0s" : out;
}

}  // namespace vigia::engine
