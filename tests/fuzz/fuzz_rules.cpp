// SPDX-License-Identifier: Apache-2.0
// The rule loader on one arbitrary rule file, with the built-in catalogs, and
// the rendering of its diagnostics (text with snippet and caret, and JSON).
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/diagnostic.h"
#include "rules/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::pair<std::string, std::string>> texts;
  texts.emplace_back("rules/fuzz.yaml", std::string(reinterpret_cast<const char*>(data), size));
  const auto result = vigia::rules::LoadRuleTexts(texts);
  (void)vigia::RenderText(result.diagnostics());
  (void)vigia::RenderJson(result.diagnostics());
  return 0;
}
