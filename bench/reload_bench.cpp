// SPDX-License-Identifier: Apache-2.0
#include "bench/reload_bench.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "bench/bench_util.h"
#include "bench/counting_sink.h"
#include "bench/daemon_process.h"
#include "bench/ingest_bench.h"
#include "bench/scaled_events.h"
#include "bench/synthetic.h"
#include "config/config.h"
#include "daemon/cli/common.h"
#include "daemon/cli/http_client.h"
#include "daemon/rule_loading.h"
#include "engine/engine.h"
#include "rules/loader.h"
#include "storage/database.h"

namespace vigia::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
constexpr const char* kCanary = "bench-canary";
constexpr const char* kChurnFile = "bench-churn.yaml";
constexpr size_t kStreamEvents = 20000;  // the synthetic base stream, at least
constexpr auto kWarmUp = 1s;             // of load before the first reload, and after the last
constexpr auto kReloadTimeout = 15s;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// The canary is a candidate for every input event through the index (its
// `type` list) and fires on none (its attrs condition never holds); it never
// changes, so its evaluations carry over every reload. The churn rules are
// edited at every round: the odd ones only in their description (state kept),
// the even ones in `match` (state restarts).
std::string ChurnYaml(size_t churn, int round) {
  std::ostringstream y;
  y << "# vigia-bench reload, round " << round << "\nrules:\n"
    << "  - id: " << kCanary << "\n"
    << "    description: Reached by every input event; fires on none.\n"
    << "    level: info\n"
    << "    match:\n"
    << "      type: [report, media_alert, checkin, checkin_missed, panic, measure]\n"
    << "      attrs.vigia_bench_never: {exists: true}\n";
  for (size_t j = 0; j < churn; ++j) {
    const bool state_kept = j % 2 == 1;
    y << "  - id: bench-churn-" << j << "\n"
      << "    description: \"Edited at round " << round << ".\"\n"
      << "    level: watch\n"
      << "    match: {type: report, category: "
      << (state_kept || round % 2 == 0 ? "threat" : "harassment") << "}\n"
      << "    count: {at_least: 3, within: 1h}\n"
      << "    by: [region]\n";
  }
  return y.str();
}

bool WriteChurn(const fs::path& rules_dir, size_t churn, int round) {
  // Renamed into place: the daemon never reads a half-written file.
  const fs::path tmp = rules_dir / ".bench-churn.tmp";
  std::ofstream(tmp) << ChurnYaml(churn, round);
  std::error_code ec;
  fs::rename(tmp, rules_dir / kChurnFile, ec);
  if (ec) std::cerr << "vigia-bench reload: cannot write " << kChurnFile << ": " << ec.message();
  return !ec;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double Best(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}
double Max(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

struct Setup {
  fs::path dir, rules_dir;
  size_t rules = 0;  // in the set, bench-churn.yaml included
  ScaledEvents events;
  std::shared_ptr<const Catalogs> catalogs;
  config::Config config;  // only `rules` and `engine` set, as the daemon's
  rules::RuleLoader loader;  // kept across reloads, as the daemon keeps its own
};

// The rule set in dir/rules and the event stream. Empty string on success.
std::string Prepare(const ReloadOptions& o, Setup& s) {
  s.rules_dir = s.dir / "rules";
  std::error_code ec;
  fs::create_directories(s.rules_dir, ec);
  if (ec) return "cannot create " + s.rules_dir.string() + ": " + ec.message();
  try {
    if (o.rules.empty()) {
      WriteRules(RuleSetOptions{o.generated, o.seed}, s.rules_dir);
    } else {
      size_t n = 0;  // copies, numbered so that two files of one name both stay
      for (const fs::path& f : cli::ExpandRuleArgs(o.rules))
        fs::copy_file(f, s.rules_dir / (std::to_string(n++) + "-" + f.filename().string()));
    }
  } catch (const std::exception& e) {
    return std::string("cannot write the rules: ") + e.what();
  }
  if (!WriteChurn(s.rules_dir, o.churn, 0)) return "cannot write the churn rules";
  s.config.rules = {config::RuleGlob{"rules/*.yaml", s.rules_dir / "*.yaml", {}}};

  s.catalogs = cli::LoadCatalogsOrReport("");
  if (!s.catalogs) return "cannot load the default catalogs";
  std::string base = o.base;
  if (base.empty()) {
    base = (s.dir / "stream.jsonl").string();
    StreamOptions so;
    so.seed = o.seed;
    so.events = std::max<size_t>(kStreamEvents, o.warm_events);
    std::ofstream out(base);
    for (const std::string& line : GenerateEvents(so)) out << line << "\n";
  }
  if (std::string err = s.events.Load(base, *s.catalogs); !err.empty()) return err;
  rules::RuleLoader loader;
  const daemon::LoadedRules loaded = daemon::LoadConfiguredRules(s.config, *s.catalogs, loader);
  if (!loaded.rules) return "the rules do not load:\n" + loaded.diagnostics;
  s.rules = loaded.rules->rules().size();
  return {};
}

// Where a cold load + compile goes (every file read, as at start): the rule files
// read and checked (rules::LoadRuleFiles), then compiled (CompiledRules).
void LoadBreakdown(const Setup& s, const config::Config& config) {
  rules::LoadOptions options;
  options.catalogs = s.catalogs.get();
  const auto t0 = Clock::now();
  auto loaded = rules::LoadRuleFiles(cli::ExpandRuleArgs({s.rules_dir.string()}), options);
  const auto t1 = Clock::now();
  if (!loaded.ok()) return;
  auto set = std::make_shared<const rules::RuleSet>(std::move(loaded).value());
  engine::EngineDefaults defaults;
  defaults.allowed_lateness = config.engine.allowed_lateness;
  const engine::CompiledRules compiled(set, defaults);
  std::printf("          cold load (every file read): read and check %.1f ms, compile %.1f ms\n",
              Ms(t1 - t0), Ms(Clock::now() - t1));
}

// A reload after a list is edited (the generated `northern_states` gains a
// state, then loses it): the files that use it are parsed again, not the others.
void ListEdits(Setup& s) {
  const fs::path file = s.rules_dir / "gen-lists.yaml";
  std::string text;
  {
    std::ifstream in(file);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string from = "MX-DUR]", to = "MX-DUR, MX-ZAC]";
  const size_t at = text.find(from);
  if (at == std::string::npos) return;  // not the generated rules
  std::vector<double> ms;
  for (int round = 0; round < 6; ++round) {
    std::string edited = text;
    if (round % 2 == 0) edited.replace(at, from.size(), to);
    std::ofstream(file, std::ios::trunc) << edited;
    const auto t0 = Clock::now();
    const daemon::LoadedRules loaded = daemon::LoadConfiguredRules(s.config, *s.catalogs, s.loader);
    if (!loaded.rules) return;
    ms.push_back(Ms(Clock::now() - t0));
  }
  std::printf(
      "          after a list edit: load + compile best / median %.1f / %.1f ms; files %zu read, "
      "%zu kept\n",
      Best(ms), Median(ms), s.loader.last_stats().read, s.loader.last_stats().kept);
}

uint64_t CanaryEvaluations(const engine::Engine& e) {
  for (const auto& r : e.rules().rules())
    if (r.rule->id == kCanary) return e.counters()[r.index].evaluations;
  return UINT64_MAX;
}

// (a) In process: the steps of a reload, timed.
bool InProcess(const ReloadOptions& o, Setup& s, boost::json::object& out) {
  CountingSink sink;
  engine::Engine engine(daemon::LoadConfiguredRules(s.config, *s.catalogs, s.loader).rules, sink);
  uint64_t processed = 0;
  auto process = [&](uint64_t n) {
    for (uint64_t end = processed + n; processed < end; ++processed) {
      Event e = s.events.At(processed);
      e.seq = processed + 1;
      e.arrival = e.time;  // replayed in its own time
      engine.Process(e);
    }
  };
  auto start = Clock::now();
  process(o.warm_events);
  std::printf(
      "reload    in process: %zu rules; %llu events processed in %.2f s first: %zu open "
      "keys, %llu alerts\n",
      s.rules, static_cast<unsigned long long>(processed), Seconds(start), engine.open_keys(),
      static_cast<unsigned long long>(sink.alerts));
  std::vector<double> catalogs_ms, load_ms, swap_ms, total_ms;
  bool ok = true;
  size_t keys_before = 0, keys_after = 0;
  for (int round = 1; round <= o.rounds; ++round) {
    if (!WriteChurn(s.rules_dir, o.churn, round)) return false;
    const auto t0 = Clock::now();
    auto catalogs = LoadCatalogs(CatalogPaths{});  // as the controller does, defaults here
    const auto t1 = Clock::now();
    daemon::LoadedRules loaded = daemon::LoadConfiguredRules(s.config, *s.catalogs, s.loader);
    const auto t2 = Clock::now();
    if (!catalogs.ok() || !loaded.rules) {
      std::cerr << "vigia-bench reload: the rules do not load:\n" << loaded.diagnostics;
      return false;
    }
    keys_before = engine.open_keys();
    const uint64_t canary_before = CanaryEvaluations(engine);
    const auto t3 = Clock::now();
    engine.SwapRules(loaded.rules);
    const auto t4 = Clock::now();
    keys_after = engine.open_keys();
    if (CanaryEvaluations(engine) != canary_before) {
      std::cerr << "vigia-bench reload: the canary's counters did not carry over the swap\n";
      ok = false;
    }
    catalogs_ms.push_back(Ms(t1 - t0));
    load_ms.push_back(Ms(t2 - t1));
    swap_ms.push_back(Ms(t4 - t3));
    total_ms.push_back(Ms(t2 - t0) + Ms(t4 - t3));
    process(o.events_between);
  }
  ListEdits(s);
  LoadBreakdown(s, s.config);
  if (const uint64_t canary = CanaryEvaluations(engine); canary != processed) {
    std::cerr << "vigia-bench reload: the canary evaluated " << canary << " events of " << processed
              << "\n";
    ok = false;
  }
  std::printf("          files per reload: %zu read, %zu kept\n", s.loader.last_stats().read,
              s.loader.last_stats().kept);
  std::printf(
      "          %d reloads (best / median ms): catalogs %.2f / %.2f, load + compile %.1f / %.1f "
      "(off the engine thread), SwapRules %.2f / %.2f (stops evaluation); total %.1f / %.1f; "
      "open keys %zu before the last swap, %zu after\n",
      o.rounds, Best(catalogs_ms), Median(catalogs_ms), Best(load_ms), Median(load_ms),
      Best(swap_ms), Median(swap_ms), Best(total_ms), Median(total_ms), keys_before, keys_after);
  const bool goal = Median(total_ms) <= o.goal_ms;
  std::printf("          goal: reload of %zu rules ≤ %.0f ms: %s (median %.1f ms)\n", s.rules,
              o.goal_ms, goal ? "pass" : "FAIL", Median(total_ms));
  auto stat = [](const std::vector<double>& v) {
    return boost::json::object{{"best_ms", Best(v)}, {"median_ms", Median(v)}, {"max_ms", Max(v)}};
  };
  out = {{"ok", ok},
         {"rounds", o.rounds},
         {"warm_events", o.warm_events},
         {"events_processed", processed},
         {"catalogs", stat(catalogs_ms)},
         {"load_compile", stat(load_ms)},
         {"swap_rules", stat(swap_ms)},
         {"total", stat(total_ms)},
         {"open_keys_before_swap", keys_before},
         {"open_keys_after_swap", keys_after},
         {"goal_pass", goal}};
  return ok;
}

struct Reload {
  const char* via = "";
  Clock::time_point trigger;
  double logged_ms = -1;  // trigger → the daemon's rules.reloaded log line
  double client_ms = -1;  // the POST's round trip (http only)
};

// vigiad's HTTP API, with `token` unless empty.
cli::HttpClient Api(const DaemonProcess& d, const std::string& token) {
  const std::string port = std::to_string(d.http_port());
  return cli::HttpClient(cli::HttpUrl{"127.0.0.1", d.http_port(), "", "http://127.0.0.1:" + port},
                         token, cli::HttpTimeouts{3s, kReloadTimeout});
}

// The time of the `n`-th (1-based) log line holding `needle`.
std::optional<TimeUs> NthLogTime(const std::string& log, std::string_view needle, size_t n) {
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos && --n == 0) return LogLineTime(line);
  return std::nullopt;
}

// Triggers `o.reloads` reloads, one per `o.every` after kWarmUp from `start`,
// alternately SIGHUP and POST /api/v1/rules/reload. Empty string on success.
std::string TriggerReloads(const ReloadOptions& o, const Setup& s, const DaemonProcess& d,
                           Clock::time_point start, std::vector<Reload>& reloads) {
  const cli::HttpClient http = Api(d, d.admin_token());
  for (int i = 0; i < o.reloads; ++i) {
    std::this_thread::sleep_until(
        start + kWarmUp +
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.every * i)));
    if (!WriteChurn(s.rules_dir, o.churn, i + 1)) return "cannot write the churn rules";
    Reload r;
    r.via = i % 2 == 0 ? "sighup" : "http";
    const TimeUs wall = WallNow();
    r.trigger = Clock::now();
    if (i % 2 == 0) {
      if (!d.Signal(SIGHUP)) return "vigiad is not running";
    } else {
      auto reply = http.Post("/api/v1/rules/reload", "");
      r.client_ms = Ms(Clock::now() - r.trigger);
      if (!reply) return "POST /api/v1/rules/reload: " + reply.error().reason;
      if (reply->status != 200)
        return "POST /api/v1/rules/reload: " + std::to_string(reply->status) + " " + reply->body;
    }
    for (;;) {
      const std::string log = d.Log();
      if (log.find("rules.reload_failed") != std::string::npos) return "the reload failed:\n" + log;
      if (auto t = NthLogTime(log, " rules.reloaded ", i + 1)) {
        r.logged_ms = (*t - wall) / 1000.0;
        break;
      }
      if (Clock::now() - r.trigger > kReloadTimeout) return "no rules.reloaded after 15 s";
      std::this_thread::sleep_for(2ms);
    }
    reloads.push_back(r);
  }
  return {};
}

// vigia_events_accepted_total and the canary's evaluations from /metrics.
std::optional<std::pair<uint64_t, uint64_t>> ReadMetrics(const DaemonProcess& d) {
  const cli::HttpClient http = Api(d, "");
  auto reply = http.Get("/metrics");
  if (!reply || reply->status != 200) return std::nullopt;
  auto value = [&](const std::string& name) -> std::optional<uint64_t> {
    const size_t at = reply->body.find("\n" + name + " ");
    if (at == std::string::npos) return std::nullopt;
    return std::strtoull(reply->body.c_str() + at + name.size() + 2, nullptr, 10);
  };
  auto accepted = value("vigia_events_accepted_total");
  auto canary = value(std::string("vigia_rule_evaluations_total{rule=\"") + kCanary + "\"}");
  if (!accepted || !canary) return std::nullopt;
  return std::pair{*accepted, *canary};
}

// Every accepted event is in the journal exactly once, no rejected one is.
// Empty string when so.
std::string CheckJournal(const fs::path& db_path, const ScaledEvents& events,
                         const FixedRateResult& r) {
  auto db = storage::Database::Open(db_path, storage::SyncMode::kNormal);
  if (!db.has_value()) return "cannot open " + db_path.string();
  std::map<std::string, uint32_t> seen;  // id → rows
  uint64_t rows = 0;
  auto st = db.value()->ReadJournal(0, [&](const storage::JournalRow& row) {
    ++rows;
    ++seen[row.id];
  });
  if (!st.ok()) return "cannot read the journal";
  uint64_t missing = 0, twice = 0, rejected_in = 0;
  for (uint64_t i = 0; i < r.sent; ++i) {
    auto it = seen.find(events.At(i).id);
    if (!r.accepted_at[i])
      rejected_in += it != seen.end();
    else if (it == seen.end())
      ++missing;
    else
      twice += it->second > 1;
  }
  if (rows != r.accepted || missing || twice || rejected_in)
    return std::to_string(rows) + " journal rows for " + std::to_string(r.accepted) +
           " accepted events: " + std::to_string(missing) + " missing, " + std::to_string(twice) +
           " more than once, " + std::to_string(rejected_in) + " rejected ones";
  return {};
}

// (b) Against vigiad under load.
bool AgainstDaemon(const ReloadOptions& o, Setup& s, boost::json::object& out) {
  const fs::path ddir = s.dir / "daemon";
  fs::create_directories(ddir);
  DaemonProcess d(ddir, DaemonConfig{{s.rules_dir.string()}, o.sync, true});
  if (!WriteChurn(s.rules_dir, o.churn, 0)) return false;
  if (std::string err = d.Start(VigiadPath(o.vigiad)); !err.empty()) {
    std::cerr << "vigia-bench reload: " << err << "\n";
    return false;
  }
  zmq::context_t context{1};
  AckClient ack(context, d.ack());
  const double duration = 2 * std::chrono::duration<double>(kWarmUp).count() + o.reloads * o.every;
  const std::string load = LoadAverage();
  std::vector<Reload> reloads;
  std::string reload_error;
  const auto start = Clock::now();
  std::thread trigger([&] { reload_error = TriggerReloads(o, s, d, start, reloads); });
  const FixedRateResult r = RunFixedRate(
      ack, nullptr, [&](uint64_t i) { return EventJson(s.events, i, 0); },
      FixedRateOptions{o.rate, duration, 0, 0});
  trigger.join();
  const auto metrics = ReadMetrics(d);
  const int code = d.Stop();
  bool ok = r.ok && reload_error.empty() && code == 0;
  if (!reload_error.empty()) std::cerr << "vigia-bench reload: " << reload_error << "\n";
  if (code != 0) std::cerr << "vigia-bench reload: vigiad exited with " << code << "\n";

  // Ack latency of the events sent while a reload ran (trigger → logged, +10 ms) and of the rest.
  auto during = [&](const Reload& x, size_t k) {
    const auto logged_at =
        x.trigger + std::chrono::microseconds(static_cast<int64_t>(x.logged_ms * 1000));
    return r.sent_at[k] >= x.trigger && r.sent_at[k] <= logged_at + 10ms;
  };
  std::vector<int64_t> inside, outside;
  std::vector<double> logged, client, stall;
  for (const Reload& x : reloads) {
    logged.push_back(x.logged_ms);
    if (x.client_ms >= 0) client.push_back(x.client_ms);
    int64_t worst = 0;
    for (size_t k = 0; k < r.sent; ++k)
      if (r.accepted_at[k] && during(x, k)) worst = std::max(worst, r.ack_us[k]);
    stall.push_back(worst / 1000.0);
  }
  for (size_t k = 0; k < r.sent; ++k) {
    if (!r.accepted_at[k]) continue;
    const bool in =
        std::any_of(reloads.begin(), reloads.end(), [&](const Reload& x) { return during(x, k); });
    (in ? inside : outside).push_back(r.ack_us[k]);
  }
  const Percentiles in_p = ComputePercentiles(inside), out_p = ComputePercentiles(outside);

  // No event lost or evaluated twice.
  // Rejections (overloaded: the rate is above what vigiad sustains) are answers,
  // not losses; they void the latency figures.
  std::string lost;
  const uint64_t rejected = r.sent - r.accepted;
  if (!r.ok)
    lost = std::to_string(r.sent) + " sent, " +
           std::to_string(std::count_if(r.ack_us.begin(), r.ack_us.end(),
                                        [](int64_t us) { return us >= 0; })) +
           " answered, " + std::to_string(r.extra_replies) + " answered twice";
  else if (!metrics)
    lost = "no metrics";
  else if (metrics->first != r.accepted || metrics->second != r.accepted)
    lost = "vigia_events_accepted_total " + std::to_string(metrics->first) +
           ", the canary's evaluations " + std::to_string(metrics->second) + ", for " +
           std::to_string(r.accepted) + " events accepted";
  else if (code == 0)
    lost = CheckJournal(d.database(), s.events, r);
  ok &= lost.empty();

  std::printf(
      "reload    vigiad sync=%s, %zu rules, %llu events/s for %.0f s (sent at %.0f/s), %zu "
      "reloads (SIGHUP and HTTP alternately), load %s\n"
      "          reload, trigger → rules.reloaded logged: median %.1f ms, max %.1f ms",
      o.sync.c_str(), s.rules, static_cast<unsigned long long>(o.rate), duration, r.send_rate,
      reloads.size(), load.c_str(), Median(logged), Max(logged));
  if (!client.empty())
    std::printf("; POST round trip median %.1f ms, max %.1f ms", Median(client), Max(client));
  std::printf(
      "\n          ack latency during reloads  %s\n"
      "          ack latency otherwise       %s\n"
      "          worst ack per reload (ms):",
      ToString(in_p).c_str(), ToString(out_p).c_str());
  for (double x : stall) std::printf(" %.2f", x);
  std::printf(
      "\n          every event answered once; every accepted one journaled and evaluated "
      "exactly once: %s\n",
      lost.empty() ? "yes" : ("NO: " + lost).c_str());
  if (rejected)
    std::printf(
        "          OVERLOADED: %llu of %llu events rejected; vigiad does not sustain "
        "this rate with these rules, lower --rate\n",
        static_cast<unsigned long long>(rejected), static_cast<unsigned long long>(r.sent));
  const bool goal = lost.empty() && !rejected && !logged.empty() && Max(logged) <= o.goal_ms;
  std::printf(
      "          goal: reload of %zu rules ≤ %.0f ms, no event lost or evaluated twice: "
      "%s\n",
      s.rules, o.goal_ms, goal ? "pass" : "FAIL");
  std::fflush(stdout);

  boost::json::array per_reload;
  for (size_t i = 0; i < reloads.size(); ++i)
    per_reload.push_back({{"via", reloads[i].via},
                          {"logged_ms", reloads[i].logged_ms},
                          {"client_ms", reloads[i].client_ms},
                          {"worst_ack_ms", stall[i]}});
  out = {{"ok", ok},
         {"sync", o.sync},
         {"rate", o.rate},
         {"duration_s", duration},
         {"sent", r.sent},
         {"accepted", r.accepted},
         {"rejected", rejected},
         {"send_rate", r.send_rate},
         {"reloads", std::move(per_reload)},
         {"logged_ms", boost::json::object{{"median", Median(logged)}, {"max", Max(logged)}}},
         {"ack_during_reloads", PercentilesJson(in_p)},
         {"ack_otherwise", PercentilesJson(out_p)},
         {"exactly_once", lost.empty()},
         {"goal_pass", goal}};
  if (!lost.empty()) out["exactly_once_problem"] = lost;
  if (!ok) std::cerr << "vigia-bench reload: vigiad's log:\n" << d.Log();
  return ok;
}

}  // namespace

int RunReload(const ReloadOptions& o) {
  if (!o.in_process && !o.daemon) return 0;
  Setup s;
  s.dir = MakeTempDir(o.dir, "vigia-bench-reload-");
  if (s.dir.empty()) {
    std::cerr << "vigia-bench reload: cannot create a temp dir in " << o.dir << "\n";
    return 1;
  }
  if (std::string err = Prepare(o, s); !err.empty()) {
    std::cerr << "vigia-bench reload: " << err << "\n";
    return 2;
  }
  boost::json::object j{{"mode", "reload"}, {"rules", s.rules}, {"load_average", LoadAverage()}};
  bool ok = true;
  if (o.in_process) {
    boost::json::object part;
    ok &= InProcess(o, s, part);
    j["in_process"] = std::move(part);
  }
  if (o.daemon) {
    boost::json::object part;
    ok &= AgainstDaemon(o, s, part);
    j["vigiad"] = std::move(part);
  }
  j["ok"] = ok;
  if (!o.json.empty() && !WriteJsonFile(o.json, j)) ok = false;
  std::error_code ec;
  if (!ok) std::cerr << "vigia-bench reload: failed; temp dir kept: " << s.dir.string() << "\n";
  if (ok && !o.keep) fs::remove_all(s.dir, ec);
  return ok ? 0 : 1;
}

CLI::App* AddReloadCommand(CLI::App& app, ReloadOptions& o) {
  auto* cmd = app.add_subcommand(
      "reload", "reload of N rules: its steps in process, then vigiad under load (SIGHUP, HTTP)");
  cmd->add_option("--rules", o.rules, "rule files or folders (copied); default: generated");
  cmd->add_option("--generated", o.generated, "rules of the generated set")->capture_default_str();
  cmd->add_option("--seed", o.seed, "of the generated rules and stream")->capture_default_str();
  cmd->add_option("--base", o.base, "events (JSON Lines) scaled; default: the synthetic stream");
  cmd->add_option("--churn", o.churn, "rules edited between two reloads")->capture_default_str();
  cmd->add_option("--rounds", o.rounds, "in-process reloads")->capture_default_str();
  cmd->add_option("--warm-events", o.warm_events, "in process: events before the first reload")
      ->capture_default_str();
  cmd->add_option("--events-between", o.events_between, "in process: events between reloads")
      ->capture_default_str();
  cmd->add_option("--vigiad", o.vigiad, "the vigiad binary (default: beside vigia-bench)");
  cmd->add_option("--sync", o.sync, "vigiad's storage.sync")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "normal"}));
  cmd->add_option("--rate", o.rate, "events/s sent to vigiad")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--reloads", o.reloads, "reloads of vigiad (SIGHUP and HTTP alternately)")
      ->capture_default_str();
  cmd->add_option("--every", o.every, "seconds between two reloads of vigiad")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--goal-ms", o.goal_ms, "the goal")->capture_default_str();
  cmd->add_option("--dir", o.dir, "parent of the temp dir")->capture_default_str();
  cmd->add_flag("--keep", o.keep, "keep the temp dir");
  cmd->add_flag("!--no-in-process", o.in_process, "skip the in-process part");
  cmd->add_flag("!--no-daemon", o.daemon, "skip the part against vigiad");
  cmd->add_option("--json", o.json, "also write the figures to this file as JSON");
  return cmd;
}

}  // namespace vigia::bench
