// SPDX-License-Identifier: Apache-2.0
// YAML::LoadAll without yaml-cpp 0.7's endless loop (jbeder/yaml-cpp#1040,
// fixed upstream by #1319, not in Debian bookworm's 0.7): on a stray ',', ']'
// or '}' where a document's node should start (",r}"), its parser returns an
// empty document without consuming the token, again and again, and LoadAll
// collects them until memory runs out. Found by tests/fuzz/fuzz_config.
// Used by every loader of untrusted YAML streams (config, rules, tokens).
// Thread rules: a pure function; call from any thread.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace vigia {

// The documents of `text`, as YAML::LoadAll returns them (same node types,
// tags, styles, marks and aliases), in one parse. Throws what LoadAll throws
// (YAML::Exception), and YAML::ParserException at the stray token when the
// parser stops advancing.
std::vector<YAML::Node> LoadYamlDocuments(const std::string& text);

}  // namespace vigia
