// SPDX-License-Identifier: Apache-2.0
// For daemon/cli's tests only (it uses Catch2): a temporary folder, and a
// command's exit code and output.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>

#include <catch2/catch.hpp>

namespace vigia::cli {

// A fresh folder under the system's temporary folder, removed with everything
// in it on destruction.
class TempDir {
 public:
  // Fails the test when the folder cannot be made.
  explicit TempDir(std::string_view prefix = "vigia-cli-test") {
    std::string pattern =
        (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// What a command returned and printed.
struct Output {
  int code = -1;
  std::string out, err;
};

// Runs `fn(options, out, err)`, a command such as RunAuditVerify.
template <typename Options, typename Fn>
Output Run(Fn fn, const Options& options) {
  std::ostringstream out, err;
  Output o;
  o.code = fn(options, out, err);
  o.out = out.str();
  o.err = err.str();
  return o;
}

}  // namespace vigia::cli
