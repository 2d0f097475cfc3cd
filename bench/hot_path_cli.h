// SPDX-License-Identifier: Apache-2.0
// The command line of the vigia-bench modes of issue #6: parse, engine, keys
// (engine_bench.h) and gen events / gen rules (synthetic.h). main() makes one
// before parsing and asks it to run after.
// Thread rules: none (main thread).
#pragma once

#include <optional>
#include <string>

#include "bench/engine_bench.h"

namespace CLI {
class App;
}

namespace vigia::bench {

class HotPathCli {
 public:
  // Registers the subcommands on `app`, which must outlive *this.
  explicit HotPathCli(CLI::App& app);
  HotPathCli(const HotPathCli&) = delete;
  HotPathCli& operator=(const HotPathCli&) = delete;

  // After parsing: the exit code of the subcommand given, nullopt when it is
  // not one of these.
  std::optional<int> Run() const;

 private:
  int RunGenEvents() const;
  int RunGenRules() const;

  HotPathOptions hot_;
  KeysOptions keys_;
  std::string gen_out_ = "-";
  std::string gen_dir_;
  size_t gen_n_ = 0;
  CLI::App* parse_ = nullptr;
  CLI::App* engine_ = nullptr;
  CLI::App* keys_cmd_ = nullptr;
  CLI::App* gen_events_ = nullptr;
  CLI::App* gen_rules_ = nullptr;
};

}  // namespace vigia::bench
