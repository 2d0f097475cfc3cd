// SPDX-License-Identifier: Apache-2.0
// `vigia-bench reload`: "reload of 1,000 rules ≤ 100 ms, no event lost or
// evaluated twice" (daemon.md, "Benchmarks").
//   in-process: an engine holding the state of the events it has processed;
//     each round edits a few rules, then times the steps of a reload as vigiad
//     runs them: catalogs, load + compile (off the engine thread), and
//     Engine::SwapRules (the only step that stops evaluation);
//   vigiad: events at a fixed rate over the ack socket while reloads are
//     triggered, alternately by SIGHUP and POST /api/v1/rules/reload; each
//     reload's duration as the daemon logs it (trigger → rules.reloaded), the
//     ack latency around it against the rest, and the check that every event
//     was accepted once, journaled once and evaluated once (a canary rule that
//     never changes counts every input event: its evaluations must equal the
//     events sent).
// The rule set: --rules (copied), or WriteRules' generated one (synthetic.h),
// plus bench-churn.yaml: the canary, and rules edited at every reload (half
// only in their description, so their state carries over; half in `match`,
// so theirs restarts).
// Thread rules: RunReload runs on its caller's thread (and starts one to
// trigger the reloads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

namespace vigia::bench {

struct ReloadOptions {
  std::vector<std::string> rules;  // files or folders of *.yaml; empty: generated
  size_t generated = 1000;         // rules of the generated set
  uint64_t seed = 1;
  std::string base;   // events (JSON Lines) scaled; empty: the synthetic stream
  size_t churn = 10;  // rules edited between two reloads
  // In-process.
  int rounds = 10;                 // reloads; best and median reported
  uint64_t warm_events = 100000;   // processed before the first reload
  uint64_t events_between = 5000;  // processed between two reloads
  // Against vigiad.
  std::string vigiad;  // empty: vigiad beside vigia-bench
  std::string sync = "full";
  uint64_t rate = 10000;     // events/s
  int reloads = 6;           // alternately SIGHUP and HTTP
  double every = 2;          // seconds between two reloads
  std::string dir = "/tmp";  // parent of the temp dir
  bool in_process = true, daemon = true;
  double goal_ms = 100;
  bool keep = false;
  std::string json;  // also write the figures here
};

// Prints the figures and a pass/fail line against the goal. Exit code 0; 1
// when a phase failed or an event was lost, answered twice or evaluated twice
// (a goal missed on time alone is reported, not an error); 2 on bad input.
int RunReload(const ReloadOptions& options);
// Adds the `reload` subcommand, its options bound to `options`.
CLI::App* AddReloadCommand(CLI::App& app, ReloadOptions& options);

}  // namespace vigia::bench
