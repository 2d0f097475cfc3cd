// SPDX-License-Identifier: Apache-2.0
// Helpers for the config/ tests only: parse a text as /etc/vigia/vigia.yaml and
// describe diagnostics in one line each, so a test compares positions exactly.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace vigia::config::testing {

inline constexpr char kFile[] = "/etc/vigia/vigia.yaml";

// One way in, so that a text testing something else is not also C108.
inline constexpr char kWayIn[] = "ingest: {zmq: [{bind: \"inproc://events\", mode: ack}]}\n";

inline LoadResult<Config> Parse(const std::string& yaml) { return ParseConfig(yaml, kFile); }

// "3:14 C104 invalid duration '7 days' for 'engine.allowed_lateness'"
inline std::string Brief(const Diagnostic& d) {
  return std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + " " + d.code + " " +
         d.message;
}

inline std::vector<std::string> Briefs(const std::vector<Diagnostic>& diags) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diags) out.push_back(Brief(d));
  return out;
}

// "3:14 C104": position and code only.
inline std::vector<std::string> Where(const std::vector<Diagnostic>& diags) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diags) {
    out.push_back(std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + " " + d.code);
  }
  return out;
}

}  // namespace vigia::config::testing
