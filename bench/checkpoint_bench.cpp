// SPDX-License-Identifier: Apache-2.0
#include "bench/checkpoint_bench.h"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "bench/bench_util.h"
#include "bench/json_report.h"
#include "bench/scaled_events.h"
#include "daemon/cli/common.h"
#include "daemon/core.h"
#include "storage/database.h"

namespace vigia::bench {
namespace {

namespace fs = std::filesystem;
constexpr size_t kAppendBatch = 10000;
constexpr DurationUs kArrivalStep = 100;  // 10,000 events/s, as `ingest --events 1000`

// Journals `n` events arriving kArrivalStep apart, the last one now.
std::string AppendJournal(const fs::path& path, const ScaledEvents& events, uint64_t n) {
  auto db = storage::Database::Open(path, storage::SyncMode::kNormal);
  if (!db.has_value()) return "cannot open " + path.string() + ": " + ToString(db.error());
  const TimeUs first = daemon::SystemNow() - static_cast<TimeUs>(n) * kArrivalStep;
  std::vector<storage::JournalRow> rows;
  for (uint64_t i = 0; i < n;) {
    rows.clear();
    for (; i < n && rows.size() < kAppendBatch; ++i) {
      const Event e = events.At(i);
      rows.push_back({i + 1, first + static_cast<TimeUs>(i) * kArrivalStep, e.time, e.source, e.id,
                      CanonicalJson(e)});
    }
    if (auto st = db.value()->AppendJournal(rows); !st.ok()) return ToString(st.error());
  }
  return {};
}

// Sends a query every millisecond until `stop`; the round trips in µs.
void Ping(zmq::context_t& context, const std::atomic<bool>& stop, std::vector<int64_t>* rtt) {
  zmq::socket_t req(context, zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  req.set(zmq::sockopt::rcvtimeo, 100);
  req.set(zmq::sockopt::req_relaxed, 1);
  req.connect(daemon::kQueryEndpoint);
  const std::string ping = R"({"op":"ping"})";
  while (!stop.load()) {
    const auto start = Clock::now();
    req.send(zmq::buffer(ping), zmq::send_flags::none);
    zmq::message_t reply;
    bool got = false;
    while (!stop.load() && !(got = req.recv(reply).has_value())) {
    }
    if (got)
      rtt->push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// The value of `key=` in `line`, -1 when absent.
int64_t Field(const std::string& line, const std::string& key) {
  const size_t at = line.find(" " + key + "=");
  return at == std::string::npos ? -1
                                 : std::strtoll(line.c_str() + at + key.size() + 2, nullptr, 10);
}

struct Run {
  std::string error;
  std::vector<std::string> checkpoints;  // the core's engine.checkpoint lines
  std::vector<int64_t> rtt;              // µs
  double open_seconds = 0, stop_seconds = 0;
};

Run RunCore(const fs::path& path, storage::SyncMode sync, const CheckpointOptions& o,
            std::shared_ptr<const engine::CompiledRules> rules, connectors::CatalogHandle& catalogs,
            std::ostringstream& log) {
  Run r;
  zmq::context_t context(1);
  daemon::CoreOptions co;
  co.storage = daemon::StorageOptions{path, sync};
  co.catalogs = &catalogs;
  co.checkpoint_every = o.checkpoint_every * kSecond;
  daemon::Core core(context, co, std::move(rules));
  log.str("");
  auto start = Clock::now();
  r.error = core.Open();
  r.open_seconds = Seconds(start);
  if (!r.error.empty()) return r;
  std::atomic<bool> stop{false}, stop_ping{false};
  std::thread runner([&] { core.Run(stop); });
  std::thread pinger([&] { Ping(context, stop_ping, &r.rtt); });
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  stop_ping = true;
  pinger.join();
  start = Clock::now();
  stop = true;
  runner.join();
  r.stop_seconds = Seconds(start);
  std::istringstream lines(log.str());
  for (std::string line; std::getline(lines, line);)
    if (line.find("engine.checkpoint ") != std::string::npos) r.checkpoints.push_back(line);
  return r;
}

}  // namespace

CLI::App* AddCheckpointCommand(CLI::App& app, CheckpointOptions& o) {
  auto* c = app.add_subcommand("checkpoint",
                               "the core thread's pause per engine checkpoint (daemon::Core)");
  c->add_option("--events", o.events, "journal rows (keys in the duplicate check)")
      ->capture_default_str();
  c->add_option("--rules", o.rules, "rule files, folders or globs")->capture_default_str();
  c->add_option("--base", o.base, "events scaled to --events")->capture_default_str();
  c->add_option("--sync", o.sync, "storage.sync: full or normal")
      ->check(CLI::IsMember({"full", "normal"}))
      ->capture_default_str();
  c->add_option("--seconds", o.seconds, "each run of the core")->capture_default_str();
  c->add_option("--every", o.checkpoint_every, "seconds between checkpoints")
      ->capture_default_str();
  c->add_option("--rounds", o.rounds, "runs, each after a restart")->capture_default_str();
  c->add_option("--json", o.json, "also write the figures to this file as JSON");
  c->add_option("--dir", o.dir, "parent of the temp dir (on the disk to measure)")
      ->capture_default_str();
  c->add_flag("--keep", o.keep, "keep the database");
  return c;
}

int RunCheckpoint(const CheckpointOptions& o) {
  const storage::SyncMode sync =
      o.sync == "full" ? storage::SyncMode::kFull : storage::SyncMode::kNormal;
  auto catalogs = cli::LoadCatalogsOrReport("");
  if (!catalogs) return 2;
  ScaledEvents events;
  if (std::string err = events.Load(o.base, *catalogs); !err.empty()) {
    std::cerr << "vigia-bench checkpoint: " << err << "\n";
    return 2;
  }
  auto rules = cli::LoadRulesOrReport(cli::ExpandRuleArgs(o.rules), *catalogs);
  if (!rules) return 2;
  connectors::CatalogHandle handle;
  handle.store(catalogs);
  std::ostringstream log;
  auto logger = std::make_shared<spdlog::logger>(
      "bench", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  logger->set_pattern("[%l] %v");
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(logger);

  const fs::path dir = MakeTempDir(o.dir, "vigia-bench-checkpoint-");
  if (dir.empty()) {
    std::cerr << "vigia-bench checkpoint: cannot create a temp dir in " << o.dir << "\n";
    return 1;
  }
  const fs::path path = dir / "vigia.db";
  auto start = Clock::now();
  if (std::string err = AppendJournal(path, events, o.events); !err.empty()) {
    std::cerr << "vigia-bench checkpoint: " << err << "\n";
    return 1;
  }
  std::printf("setup      %llu events journaled in %.1f s (%s)\n",
              static_cast<unsigned long long>(o.events), Seconds(start), dir.c_str());
  JsonReport json("checkpoint");
  json.top().Add("events", o.events).Add("sync", o.sync).Add("every_s", o.checkpoint_every);
  for (int round = 1; round <= o.rounds; ++round) {
    Run r = RunCore(path, sync, o, rules, handle, log);
    if (!r.error.empty()) {
      std::cerr << "vigia-bench checkpoint: " << r.error << " (database kept in " << dir << ")\n";
      return 1;
    }
    std::vector<int64_t> pauses;
    for (const std::string& line : r.checkpoints) pauses.push_back(Field(line, "core_us"));
    std::printf(
        "round %d    open (recovery) %.2f s, %zu checkpoints, stop "
        "%.2f s, load %s\n",
        round, r.open_seconds, r.checkpoints.size(), r.stop_seconds, LoadAverage().c_str());
    for (const std::string& line : r.checkpoints) {
      const size_t at = line.find("engine.checkpoint ");
      std::printf("  %s\n", line.c_str() + at);
    }
    if (!pauses.empty()) {
      const int64_t worst = *std::max_element(pauses.begin(), pauses.end());
      std::printf(
          "  core thread per checkpoint: max %.1f ms, last (shutdown) "
          "%.1f ms\n",
          worst / 1e3, pauses.back() / 1e3);
    }
    const Percentiles rtt = ComputePercentiles(r.rtt);
    std::printf("  query round trips: %s\n", ToString(rtt).c_str());
    std::fflush(stdout);
    json.AddRow()
        .Add("round", round)
        .Add("open_seconds", r.open_seconds)
        .Add("checkpoints", static_cast<uint64_t>(r.checkpoints.size()))
        .Add("max_core_pause_ms",
             pauses.empty() ? 0.0 : *std::max_element(pauses.begin(), pauses.end()) / 1e3)
        .Add("shutdown_core_pause_ms", pauses.empty() ? 0.0 : pauses.back() / 1e3)
        .Add("stop_seconds", r.stop_seconds)
        .Add("query_p99_ms", rtt.p99)
        .Add("query_max_ms", rtt.max)
        .Add("load_average", LoadAverage());
  }
  std::error_code ec;
  if (!o.keep) fs::remove_all(dir, ec);
  return json.WriteTo(o.json) ? 0 : 1;
}

}  // namespace vigia::bench
