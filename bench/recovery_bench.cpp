// SPDX-License-Identifier: Apache-2.0
#include "bench/recovery_bench.h"

#include <malloc.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "bench/bench_util.h"
#include "bench/counting_sink.h"
#include "bench/json_report.h"
#include "bench/scaled_events.h"
#include "core/event_decoder.h"
#include "daemon/cli/common.h"
#include "daemon/core.h"
#include "engine/dedup_index.h"
#include "engine/engine.h"
#include "storage/database.h"

namespace vigia::bench {
namespace {

namespace fs = std::filesystem;
constexpr size_t kAppendBatch = 10000;

// What every core of one run shares.
struct Setup {
  fs::path db;
  std::shared_ptr<const engine::CompiledRules> rules;
  connectors::CatalogHandle catalogs;
  zmq::context_t context{1};
  std::ostringstream log;  // the cores' spdlog output
};

// Journals events [from, to) of `events` as rows seq from+1 ... to, arriving
// at their event time (as if sent when they happened), in 10,000-row
// transactions. Empty string on success.
std::string AppendJournal(const Setup& s, const ScaledEvents& events, uint64_t from, uint64_t to) {
  auto db = storage::Database::Open(s.db, storage::SyncMode::kNormal);
  if (!db.has_value()) return "cannot open " + s.db.string() + ": " + ToString(db.error());
  std::vector<storage::JournalRow> rows;
  for (uint64_t i = from; i < to;) {
    rows.clear();
    for (; i < to && rows.size() < kAppendBatch; ++i) {
      const Event e = events.At(i);
      rows.push_back({i + 1, e.time, e.time, e.source, e.id, CanonicalJson(e)});
    }
    if (auto st = db.value()->AppendJournal(rows); !st.ok()) return ToString(st.error());
  }
  return {};
}

struct Opened {
  std::string error;
  double seconds = 0, peak_mib = 0, before_mib = 0;
  std::string log;  // the recovery.* log lines
};

// Starts a core on the database as vigiad does: Core::Open() recovers, then
// binds (inproc only). With `close`, also stops it as at shutdown, which
// writes a checkpoint.
Opened OpenCore(Setup& s, storage::SyncMode sync, bool close) {
  daemon::CoreOptions co;
  co.storage = daemon::StorageOptions{s.db, sync};
  co.catalogs = &s.catalogs;
  daemon::Core core(s.context, co, s.rules);
  s.log.str("");
  Opened r;
  ::malloc_trim(0);  // what earlier cores freed must not count as this one's peak
  ResetPeakRss();
  r.before_mib = PeakRssMib();
  const auto start = Clock::now();
  r.error = core.Open();
  r.seconds = Seconds(start);
  r.peak_mib = PeakRssMib();
  if (close && r.error.empty()) {
    const std::atomic<bool> stop{true};
    core.Run(stop);  // drains nothing, then CloseStorage(): the checkpoint
  }
  std::istringstream lines(s.log.str());
  for (std::string line; std::getline(lines, line);)
    if (line.find("recovery.") != std::string::npos || line.rfind("[info]", 0) != 0)
      r.log += "    " + line + "\n";
  return r;
}

// Times the parts of a recovery without checkpoint outside the core:
// restoring the stored alerts, then reading the journal, + decoding, +
// duplicate check and engine (alerts only counted).
void Breakdown(const Setup& s) {
  auto db = storage::Database::Open(s.db, storage::SyncMode::kFull);
  if (!db.has_value()) return;
  const auto catalogs = s.catalogs.load();
  DecodeLimits limits;
  limits.max_message = 1 << 30;
  limits.max_depth = 64;
  EventDecoder decoder(*catalogs, limits);
  size_t alerts = 0;
  auto start = Clock::now();
  // As Core::Recover() restores them (its kRestoredAlerts newest).
  auto st = db.value()->ReadAlerts(100000, [&](const storage::AlertRow& row) {
    alerts += daemon::StoredAlertFromJson(row.json).has_value();
  });
  std::printf("  breakdown  %-18s %7.2f s  (%zu alerts)%s\n", "restore alerts", Seconds(start),
              alerts, st.ok() ? "" : "  (read failed)");
  for (int stage = 0; stage < 3; ++stage) {
    CountingSink sink;
    engine::Engine engine(s.rules, sink);
    engine::DedupIndex dedup;
    uint64_t rows = 0;
    start = Clock::now();
    st = db.value()->ReadJournal(0, [&](const storage::JournalRow& row) {
      ++rows;
      if (stage == 0) return;
      auto decoded = decoder.Decode(row.body);
      if (stage == 1 || !decoded.has_value()) return;
      Event& e = decoded.value();
      e.seq = row.seq;
      e.arrival = row.arrival;
      dedup.Check(e, row.arrival);
      engine.Process(e);
    });
    const double secs = Seconds(start);
    static const char* kStage[] = {"read journal", "+ decode", "+ dedup + engine"};
    std::printf("  breakdown  %-18s %7.2f s  %9.0f rows/s%s\n", kStage[stage], secs, rows / secs,
                st.ok() ? "" : "  (read failed)");
    if (stage == 2) std::printf("  breakdown  (engine raised %zu alerts)\n", sink.alerts);
  }
}

// The events the core replayed, from its recovery.done log line.
uint64_t Replayed(const std::string& log) {
  const std::string key = "recovery.done events=";
  const size_t at = log.find(key);
  return at == std::string::npos ? 0 : std::strtoull(log.c_str() + at + key.size(), nullptr, 10);
}

bool Report(const char* variant, int round, const Opened& r, JsonReport& json) {
  if (!r.error.empty()) {
    std::cerr << "vigia-bench recovery: " << r.error << "\n";
    return false;
  }
  const uint64_t replayed = Replayed(r.log);
  std::printf(
      "recovery  %-14s round %d: %8llu events replayed in %6.2f s = %9.0f events/s, "
      "peak RSS %5.0f MiB (%.0f before), load %s\n",
      variant, round, static_cast<unsigned long long>(replayed), r.seconds, replayed / r.seconds,
      r.peak_mib, r.before_mib, LoadAverage().c_str());
  std::fputs(r.log.c_str(), stdout);
  std::fflush(stdout);
  json.AddRow()
      .Add("variant", variant)
      .Add("round", round)
      .Add("events_replayed", replayed)
      .Add("seconds", r.seconds)
      .Add("events_per_s", replayed / r.seconds)
      .Add("peak_rss_mib", r.peak_mib)
      .Add("load_average", LoadAverage());
  return true;
}

}  // namespace

int RunRecovery(const RecoveryOptions& o) {
  if (o.checkpoint_at >= o.events) {
    std::cerr << "vigia-bench recovery: --checkpoint-at must be below --events\n";
    return 2;
  }
  const storage::SyncMode sync =
      o.sync == "normal" ? storage::SyncMode::kNormal : storage::SyncMode::kFull;
  auto catalogs = cli::LoadCatalogsOrReport("");
  if (!catalogs) return 2;
  ScaledEvents events;
  if (std::string err = events.Load(o.base, *catalogs); !err.empty()) {
    std::cerr << "vigia-bench recovery: " << err << "\n";
    return 2;
  }
  Setup s;
  s.rules = cli::LoadRulesOrReport(cli::ExpandRuleArgs(o.rules), *catalogs);
  if (!s.rules) return 2;
  s.catalogs.store(catalogs);
  auto logger = std::make_shared<spdlog::logger>(
      "bench", std::make_shared<spdlog::sinks::ostream_sink_mt>(s.log));
  logger->set_pattern("[%l] %v");
  spdlog::set_default_logger(logger);
  JsonReport json("recovery");
  json.top().Add("events", o.events).Add("sync", o.sync);
  if (!o.db.empty()) {
    s.db = o.db;
    for (int round = 1; round <= o.rounds; ++round)
      if (!Report("existing", round, OpenCore(s, sync, false), json)) return 1;
    return json.WriteTo(o.json) ? 0 : 1;
  }

  const fs::path dir = MakeTempDir(o.dir, "vigia-bench-recovery-");
  if (dir.empty()) {
    std::cerr << "vigia-bench recovery: cannot create a temp dir in " << o.dir << "\n";
    return 1;
  }
  s.db = dir / "vigia.db";

  auto fail = [&](const std::string& why) {
    std::cerr << "vigia-bench recovery: " << why << " (database kept in " << dir.string() << ")\n";
    return 1;
  };
  // The database as the live daemon leaves it: the journal, the alerts it
  // raised and, at checkpoint_at, the checkpoint of a clean shutdown.
  const uint64_t first = o.checkpoint_at ? o.checkpoint_at : o.events;
  auto start = Clock::now();
  if (std::string err = AppendJournal(s, events, 0, first); !err.empty()) return fail(err);
  const double appended = Seconds(start);
  start = Clock::now();
  if (auto r = OpenCore(s, storage::SyncMode::kNormal, o.checkpoint_at > 0); !r.error.empty())
    return fail(r.error);
  if (o.checkpoint_at) {
    if (std::string err = AppendJournal(s, events, first, o.events); !err.empty()) return fail(err);
    if (auto r = OpenCore(s, storage::SyncMode::kNormal, false); !r.error.empty())
      return fail(r.error);
  }
  std::error_code ec;
  std::printf(
      "setup     %llu events (%zu-event base) journaled in %.1f s, alerts stored by a first "
      "core in %.1f s; database %.0f MiB in %s\n",
      static_cast<unsigned long long>(o.events), events.base_size(), appended, Seconds(start),
      fs::file_size(s.db, ec) / 1048576.0, dir.c_str());

  if (o.checkpoint_at) {
    for (int round = 1; round <= o.rounds; ++round)
      if (!Report("checkpoint", round, OpenCore(s, sync, false), json))
        return fail("recovery failed");
    auto db = storage::Database::Open(s.db, storage::SyncMode::kNormal);
    if (!db.has_value() || !db.value()->Exec("DELETE FROM checkpoints").ok())
      return fail("cannot delete the checkpoints");
  }
  for (int round = 1; round <= o.rounds; ++round)
    if (!Report("no checkpoint", round, OpenCore(s, sync, false), json))
      return fail("recovery failed");
  Breakdown(s);

  if (!o.keep) fs::remove_all(dir, ec);
  return json.WriteTo(o.json) ? 0 : 1;
}

}  // namespace vigia::bench
