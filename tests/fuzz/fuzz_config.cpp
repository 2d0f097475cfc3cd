// SPDX-License-Identifier: Apache-2.0
// The config loader on an arbitrary vigia.yaml text (ParseConfig: the loader
// LoadConfig runs once it has read the file), and the rendering of its
// diagnostics. Paths in the text resolve against a folder that does not exist.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.h"
#include "core/diagnostic.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  const auto result = vigia::config::ParseConfig(yaml, "/nonexistent/vigia-fuzz/vigia.yaml");
  (void)vigia::RenderText(result.diagnostics(), true, "the config was not loaded");
  (void)vigia::RenderJson(result.diagnostics());
  return 0;
}
