// SPDX-License-Identifier: Apache-2.0
#include "bench/hot_path_cli.h"

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "bench/bench_util.h"
#include "bench/synthetic.h"
#include "engine/compiled_rules.h"
#include "rules/loader.h"

namespace vigia::bench {

HotPathCli::HotPathCli(CLI::App& app) {
  parse_ = app.add_subcommand("parse", "validation only (EventDecoder), events/s");
  engine_ = app.add_subcommand(
      "engine", "the engine over decoded events, one core: events/s and alerts per rule count");
  for (CLI::App* cmd : {parse_, engine_}) {
    auto* file = cmd->add_option("--events", hot_.events_file, "JSON Lines events");
    auto* synthetic = cmd->add_option("--synthetic", hot_.synthetic,
                                      "this many generated events instead (vigia-bench gen events)");
    file->excludes(synthetic);
    cmd->add_option("--subjects", hot_.subjects, "subjects of the generated events")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--seed", hot_.seed, "seed of the generated events and rules")
        ->capture_default_str();
    cmd->add_option("--rounds", hot_.rounds, "repetitions; the best is reported")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--json", hot_.json, "also write the figures to this file as JSON");
  }
  auto* rules = engine_->add_option("--rules", hot_.rule_args, "rule files, folders or globs");
  auto* generate = engine_->add_option("--generate-rules", hot_.generate_rules,
                                       "this many generated rules instead (vigia-bench gen rules)");
  auto* counts = engine_
                     ->add_option("--rule-counts", hot_.rule_counts,
                                  "one run per count of generated rules, e.g. 10,100,1000,10000")
                     ->delimiter(',');
  rules->excludes(generate)->excludes(counts);
  generate->excludes(counts);
  engine_->add_option("--rules-dir", hot_.rules_dir,
                      "write the generated rules here (default: a temp dir, removed)");
  engine_->add_option("--top", hot_.top, "list the N rules with the most alerts");
  engine_->add_flag("--dedup", hot_.dedup, "through OfflineRunner: duplicate check + engine");
  engine_->add_flag("!--no-closer-log", hot_.closer_log,
                    "each sequence keeps its own closing events (the engine before the log of "
                    "closing events, for comparison)");

  keys_cmd_ = app.add_subcommand("keys", "engine memory per open key and events/s vs open keys");
  keys_cmd_->add_option("--keys", keys_.keys, "numbers of open keys, e.g. 1000,10000")
      ->delimiter(',')
      ->capture_default_str();
  keys_cmd_->add_option("--events-per-key", keys_.events_per_key, "the window each key holds")
      ->capture_default_str()
      ->check(CLI::Range(1, 60));
  keys_cmd_->add_option("--json", keys_.json, "also write the figures to this file as JSON");

  auto* gen = app.add_subcommand("gen", "write the synthetic workload");
  gen->require_subcommand(1);
  gen_events_ = gen->add_subcommand("events", "a synthetic event stream (JSON Lines)");
  gen_events_->add_option("--n", gen_n_, "events")->required();
  gen_events_->add_option("--seed", hot_.seed, "seed")->capture_default_str();
  gen_events_->add_option("--subjects", hot_.subjects, "subjects")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  gen_events_->add_option("--out", gen_out_, "file ('-': stdout)")->capture_default_str();
  gen_rules_ = gen->add_subcommand("rules", "a rule set of N rules, checked by the loader");
  gen_rules_->add_option("--n", gen_n_, "rules")->required();
  gen_rules_->add_option("--seed", hot_.seed, "seed")->capture_default_str();
  gen_rules_->add_option("--dir", gen_dir_, "directory (gen-*.yaml there are replaced)")
      ->required();
}

std::optional<int> HotPathCli::Run() const {
  if (*parse_ || *engine_) {
    if (hot_.events_file.empty() == (hot_.synthetic == 0)) {
      std::cerr << "vigia-bench: give --events FILE or --synthetic N\n";
      return 2;
    }
    if (*engine_ && hot_.rule_args.empty() && hot_.generate_rules == 0 &&
        hot_.rule_counts.empty()) {
      std::cerr << "vigia-bench engine: give --rules, --generate-rules N or --rule-counts LIST\n";
      return 2;
    }
    return *parse_ ? RunParse(hot_) : RunEngine(hot_);
  }
  if (*keys_cmd_) return RunKeys(keys_);
  if (*gen_events_) return RunGenEvents();
  if (*gen_rules_) return RunGenRules();
  return std::nullopt;
}

int HotPathCli::RunGenEvents() const {
  StreamOptions s;
  s.events = gen_n_;
  s.seed = hot_.seed;
  s.subjects = hot_.subjects;
  const auto lines = GenerateEvents(s);
  std::ofstream file;
  if (gen_out_ != "-") {
    file.open(gen_out_, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "cannot write " << gen_out_ << "\n";
      return 2;
    }
  }
  std::ostream& out = gen_out_ == "-" ? std::cout : file;
  for (const std::string& line : lines) out << line << '\n';
  out.flush();
  return out ? 0 : 1;
}

int HotPathCli::RunGenRules() const {
  std::vector<std::filesystem::path> files;
  try {
    files = WriteRules(RuleSetOptions{gen_n_, hot_.seed}, gen_dir_);
  } catch (const std::exception& e) {
    std::cerr << "cannot write the rules: " << e.what() << "\n";
    return 2;
  }
  // A generated set must load with no diagnostic at all, warnings included.
  const auto start = Clock::now();
  auto loaded = rules::LoadRuleFiles(files);
  if (!loaded.diagnostics().empty()) std::cerr << RenderText(loaded.diagnostics());
  if (!loaded.ok()) return 2;
  const bool clean = loaded.diagnostics().empty();
  auto set = std::make_shared<const rules::RuleSet>(std::move(loaded).value());
  engine::CompiledRules compiled(set, engine::EngineDefaults{});
  std::printf("%zu rules in %zu files in %s, loaded and compiled in %.0f ms\n",
              compiled.rules().size(), files.size(), gen_dir_.c_str(), Seconds(start) * 1000);
  return clean ? 0 : 1;
}

}  // namespace vigia::bench
