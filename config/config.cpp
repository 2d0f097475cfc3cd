// SPDX-License-Identifier: Apache-2.0
#include "config/config.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <tuple>

#include "config/detail/checker.h"
#include "config/detail/reader.h"

namespace vigia::config {

LoadResult<Config> ParseConfig(std::string_view yaml, const std::filesystem::path& file) {
  std::vector<Diagnostic> diags;
  detail::Source source = detail::ParseSource(file.string(), yaml, diags);
  if (!source.ok) return {std::nullopt, std::move(diags)};
  Config config;
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(file, ec);
  config.file = (ec ? file : absolute).lexically_normal();
  config.base_dir = config.file.parent_path();
  detail::Checker checker(source, diags);
  detail::Reader(checker, config).Read(source.root);
  // Checks across keys come last; the reader's order is not the file's.
  std::stable_sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
  });
  return {std::move(config), std::move(diags)};
}

LoadResult<Config> LoadConfig(const std::filesystem::path& file) {
  std::error_code ec;
  std::ifstream in;
  if (!std::filesystem::is_directory(file, ec)) in.open(file, std::ios::binary);
  std::string text;
  if (in.is_open()) text.assign(std::istreambuf_iterator<char>(in), {});
  if (!in.is_open() || in.bad()) {
    Diagnostic d;
    d.code = "C001";
    d.pos = {file.string(), 0, 0};  // no line to point at
    d.message =
        std::filesystem::exists(file, ec) ? "cannot read the config file" : "no such config file";
    d.hint = "vigiad --config FILE; the installed default is /etc/vigia/vigia.yaml";
    return {std::nullopt, {std::move(d)}};
  }
  return ParseConfig(text, file);
}

Config DefaultConfig(const std::filesystem::path& base_dir) {
  LoadResult<Config> result = ParseConfig(DefaultConfigYaml(), base_dir / "vigia.yaml");
  if (!result.ok()) {
    // config_test loads the same text, so this is a build that skipped its tests.
    std::fputs(RenderText(result.diagnostics(), false).c_str(), stderr);
    std::abort();
  }
  return std::move(result).value();
}

}  // namespace vigia::config
