// SPDX-License-Identifier: Apache-2.0
#include "bench/ingest_bench.h"

#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <zmq_addon.hpp>

#include "bench/zmq_baseline.h"
#include "daemon/cli/common.h"

namespace vigia::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
constexpr auto kNoProgressTimeout = 10s;             // no reply for this long fails the phase
constexpr const char* kProbeRule = "lethal-attack";  // rules/examples/lethal.yaml

int64_t Micros(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

std::string ProbeJson(std::string_view id, TimeUs time) {
  return "{\"id\":\"" + std::string(id) + "\",\"type\":\"report\",\"time\":\"" +
         FormatRfc3339(time) +
         "\",\"source\":\"bench\",\"region\":\"MX-CHH\",\"groups\":[\"journalist\"],"
         "\"category\":\"killing\"}";
}

// The probe index of an alert of kProbeRule on one probe event, else nullopt.
std::optional<uint64_t> ProbeOfAlert(std::string_view json) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto* rule = o.if_contains("rule");
  const auto* ev = o.if_contains("events");
  if (!rule || !rule->is_string() || rule->as_string() != kProbeRule || !ev || !ev->is_array() ||
      ev->as_array().size() != 1 || !ev->as_array()[0].is_string())
    return std::nullopt;
  const std::string_view id = ev->as_array()[0].as_string();
  uint64_t index = 0;
  if (!id.starts_with("probe-") ||
      std::from_chars(id.data() + 6, id.data() + id.size(), index).ptr != id.data() + id.size())
    return std::nullopt;
  return index;
}

// Waits until one probe's alert comes through `sub` (the subscription is live).
bool AwaitStream(AckClient& ack, zmq::socket_t& sub) {
  zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
  for (int attempt = 0; attempt < 50; ++attempt) {
    ack.Send(UINT64_MAX, ProbeJson("probe-warmup-" + std::to_string(attempt), WallNow()));
    const auto until = Clock::now() + 100ms;
    while (Clock::now() < until) {
      zmq::poll(&item, 1, 10ms);
      while (ack.TryReceive()) {
      }
      std::vector<zmq::message_t> frames;
      while (zmq::recv_multipart(sub, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
        if (frames.size() == 2 &&
            frames[1].to_string_view().find("probe-warmup-") != std::string_view::npos)
          return true;
        frames.clear();
      }
    }
  }
  return false;
}

// What one sync mode's runs found (for --json).
struct SyncFigures {
  std::string sync;
  std::optional<ThroughputResult> throughput;
  double throughput_rss_mib = 0;
  std::optional<FixedRateResult> latency;
  double latency_rss_mib = 0;
};

enum class Phase { kThroughput, kLatency };

// One phase on a fresh vigiad (a phase must not pay for the last one's WAL
// checkpoint). False on failure, the temp dir then kept.
bool RunPhase(const IngestOptions& o, const std::string& vigiad, Phase phase,
              const ScaledEvents& events, const std::vector<std::string>& messages,
              const std::optional<BaselineResult>& baseline, SyncFigures& out) {
  const fs::path dir = MakeTempDir(o.dir, "vigia-bench-ingest-");
  if (dir.empty()) {
    std::cerr << "vigia-bench ingest: cannot create a temp dir in " << o.dir << "\n";
    return false;
  }
  bool ok = false;
  {
    DaemonProcess daemon(dir, DaemonConfig{o.rules, out.sync, false});
    if (std::string err = daemon.Start(vigiad); !err.empty()) {
      std::cerr << "vigia-bench ingest: " << err << "\n";
      return false;
    }
    zmq::context_t context{1};
    AckClient ack(context, daemon.ack());
    zmq::socket_t sub(context, zmq::socket_type::sub);
    sub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::rcvhwm, 0);
    sub.set(zmq::sockopt::subscribe, "alert.critical.");
    sub.connect(daemon.alerts());
    const std::string load = LoadAverage();
    if (phase == Phase::kThroughput) {
      ThroughputResult t = RunThroughput(ack, messages, o.window);
      ok = t.ok;
      std::printf(
          "ingest    sync=%s throughput: %llu events of %.0f bytes, window %zu, in %.2f s = %.0f "
          "accepted events/s (%llu rejected), load %s\n",
          out.sync.c_str(), static_cast<unsigned long long>(t.events), t.mean_bytes, t.window,
          t.seconds, t.rate(), static_cast<unsigned long long>(t.events - t.accepted),
          load.c_str());
      if (baseline && baseline->throughput.rate() > 0)
        std::printf("          = %.1f %% of the transport's round-trip rate (%.0f/s)\n",
                    100 * t.rate() / baseline->throughput.rate(), baseline->throughput.rate());
      out.throughput = std::move(t);
      out.throughput_rss_mib = PeakRssMib(daemon.pid());
    } else if (!o.probe_every || AwaitStream(ack, sub)) {
      FixedRateOptions fo{o.rate, o.duration, o.probe_every, o.events};
      FixedRateResult r = RunFixedRate(
          ack, o.probe_every ? &sub : nullptr,
          [&](uint64_t i) { return EventJson(events, i, o.probe_every); }, fo);
      ok = r.ok;
      std::vector<int64_t> alerts = r.alert_us;
      std::printf(
          "latency   sync=%s at %llu events/s for %.0f s (sent at %.0f/s, %llu rejected), "
          "load %s\n"
          "          ack latency            %s\n",
          out.sync.c_str(), static_cast<unsigned long long>(o.rate), o.duration, r.send_rate,
          static_cast<unsigned long long>(r.sent - r.accepted), load.c_str(),
          ToString(r.AckLatency()).c_str());
      if (o.probe_every)
        std::printf("          ingest → alert latency %s (of %llu probes accepted, 1 in %llu)\n",
                    ToString(ComputePercentiles(alerts)).c_str(),
                    static_cast<unsigned long long>(r.probes),
                    static_cast<unsigned long long>(o.probe_every));
      out.latency = std::move(r);
      out.latency_rss_mib = PeakRssMib(daemon.pid());
    } else {
      std::cerr << "vigia-bench ingest: no alert came through the stream\n";
    }
    std::printf("          vigiad peak RSS %.0f MiB\n", PeakRssMib(daemon.pid()));
    if (const int code = daemon.Stop(); code != 0) {
      std::cerr << "vigia-bench ingest: vigiad exited with " << code << "\n" << daemon.Log();
      ok = false;
    }
  }
  std::fflush(stdout);
  std::error_code ec;
  if (!ok) std::cerr << "vigia-bench ingest: failed; temp dir kept: " << dir.string() << "\n";
  if (ok && !o.keep) fs::remove_all(dir, ec);
  return ok;
}

boost::json::object SyncJson(const SyncFigures& f, const IngestOptions& o,
                             const std::optional<BaselineResult>& baseline) {
  boost::json::object j;
  j["sync"] = f.sync;
  if (f.throughput) {
    const ThroughputResult& t = *f.throughput;
    boost::json::object tj{{"ok", t.ok},
                           {"events", t.events},
                           {"accepted", t.accepted},
                           {"window", t.window},
                           {"mean_bytes", t.mean_bytes},
                           {"seconds", t.seconds},
                           {"events_per_s", t.rate()},
                           {"vigiad_peak_rss_mib", f.throughput_rss_mib}};
    if (baseline && baseline->throughput.rate() > 0)
      tj["fraction_of_transport"] = t.rate() / baseline->throughput.rate();
    j["throughput"] = std::move(tj);
  }
  if (f.latency) {
    const FixedRateResult& r = *f.latency;
    std::vector<int64_t> alerts = r.alert_us;
    boost::json::object lj{{"ok", r.ok},
                           {"rate", o.rate},
                           {"duration_s", o.duration},
                           {"sent", r.sent},
                           {"accepted", r.accepted},
                           {"send_rate", r.send_rate},
                           {"ack", PercentilesJson(r.AckLatency())},
                           {"vigiad_peak_rss_mib", f.latency_rss_mib}};
    if (o.probe_every) {
      lj["probes"] = r.probes;
      lj["ingest_to_alert"] = PercentilesJson(ComputePercentiles(alerts));
    }
    j["latency"] = std::move(lj);
  }
  return j;
}

}  // namespace

std::string EventJson(const ScaledEvents& events, uint64_t i, uint64_t probe_every) {
  const TimeUs now = WallNow() / 1000 * 1000;  // milliseconds, as integrators send
  if (probe_every && i % probe_every == 0) return ProbeJson("probe-" + std::to_string(i), now);
  Event e = events.At(i);
  e.time = now;
  return CanonicalJson(e);
}

ThroughputResult RunThroughput(AckClient& ack, const std::vector<std::string>& messages,
                               size_t window) {
  ThroughputResult t;
  t.events = messages.size();
  t.window = window;
  for (const std::string& m : messages) t.mean_bytes += m.size();
  if (!messages.empty()) t.mean_bytes /= messages.size();
  uint64_t sent = 0, replies = 0;
  zmq::pollitem_t item{ack.socket().handle(), 0, ZMQ_POLLIN, 0};
  const auto start = Clock::now();
  auto progress = start;
  while (replies < t.events) {
    while (sent < t.events && sent - replies < window) ack.Send(sent, messages[sent]), ++sent;
    zmq::poll(&item, 1, 100ms);
    while (auto r = ack.TryReceive()) ++replies, t.accepted += r->accepted, progress = Clock::now();
    if (Clock::now() - progress > kNoProgressTimeout) {
      std::cerr << "vigia-bench: no reply for 10 s; " << replies << " of " << sent << "\n";
      t.seconds = Seconds(start);
      return t;
    }
  }
  t.seconds = Seconds(start);
  t.ok = true;
  return t;
}

Percentiles FixedRateResult::AckLatency() const {
  std::vector<int64_t> us;
  us.reserve(ack_us.size());
  for (size_t k = 0; k < ack_us.size(); ++k)
    if (accepted_at[k]) us.push_back(ack_us[k]);
  return ComputePercentiles(us);
}

FixedRateResult RunFixedRate(AckClient& ack, zmq::socket_t* sub,
                             const std::function<std::string(uint64_t)>& message,
                             const FixedRateOptions& o) {
  FixedRateResult r;
  const uint64_t total = static_cast<uint64_t>(o.rate * o.duration), first = o.first_index;
  if (total == 0) return r;
  const auto interval = std::chrono::nanoseconds(1'000'000'000 / o.rate);
  r.sent_at.resize(total);
  r.ack_us.assign(total, -1);
  r.accepted_at.assign(total, 0);
  uint64_t answered = 0;
  double send_secs = 0;
  zmq::pollitem_t items[] = {{ack.socket().handle(), 0, ZMQ_POLLIN, 0},
                             {sub ? sub->handle() : nullptr, 0, ZMQ_POLLIN, 0}};
  const auto start = Clock::now();
  auto progress = start;
  std::optional<Clock::time_point> all_answered;
  for (;;) {
    const auto now = Clock::now();
    if (all_answered) {  // wait for the last alerts, and catch any duplicate reply
      const bool alerts_done = r.alert_us.size() >= r.probes;
      if (now > *all_answered + (alerts_done ? 200ms : 2s)) break;
    }
    for (; r.sent < total && start + r.sent * interval <= now; ++r.sent) {
      const std::string json = message(first + r.sent);
      r.sent_at[r.sent] = Clock::now();
      ack.Send(first + r.sent, json);
      if (r.sent + 1 == total) send_secs = Seconds(start);
    }
    zmq::poll(items, sub ? 2 : 1, r.sent < total ? 1ms : 20ms);
    while (auto reply = ack.TryReceive()) {
      if (reply->index < first || reply->index >= first + total) continue;  // AwaitStream's
      const uint64_t k = reply->index - first;
      progress = Clock::now();
      if (r.ack_us[k] >= 0) {
        ++r.extra_replies;
        continue;
      }
      r.ack_us[k] = Micros(progress - r.sent_at[k]);
      if (++answered == total) all_answered = progress;
      if (!reply->accepted) continue;
      r.accepted_at[k] = 1;
      ++r.accepted;
      r.probes += o.probe_every && reply->index % o.probe_every == 0;
    }
    std::vector<zmq::message_t> frames;
    while (sub &&
           zmq::recv_multipart(*sub, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
      const auto at = Clock::now();
      if (auto p = frames.size() == 2 ? ProbeOfAlert(frames[1].to_string_view()) : std::nullopt;
          p && *p >= first && *p < first + total)
        r.alert_us.push_back(Micros(at - r.sent_at[*p - first]));
      frames.clear();
    }
    if (!all_answered && Clock::now() - progress > kNoProgressTimeout) {
      std::cerr << "vigia-bench: no reply for 10 s; " << answered << " of " << r.sent << "\n";
      break;
    }
  }
  r.send_rate = send_secs > 0 ? r.sent / send_secs : 0;
  r.ok = answered == total && r.alert_us.size() == r.probes && r.extra_replies == 0;
  if (r.extra_replies)
    std::cerr << "vigia-bench: " << r.extra_replies << " events answered more than once\n";
  return r;
}

boost::json::object PercentilesJson(const Percentiles& p) {
  return {{"n", p.count},    {"p50_ms", p.p50},   {"p90_ms", p.p90},
          {"p99_ms", p.p99}, {"p999_ms", p.p999}, {"max_ms", p.max}};
}

bool WriteJsonFile(const std::string& path, const boost::json::value& value) {
  std::ofstream out(path);
  out << boost::json::serialize(value) << "\n";
  if (!out.flush()) {
    std::cerr << "vigia-bench: cannot write " << path << "\n";
    return false;
  }
  return true;
}

int RunIngest(const IngestOptions& o) {
  auto catalogs = cli::LoadCatalogsOrReport("");
  if (!catalogs) return 2;
  ScaledEvents events;
  if (std::string err = events.Load(o.base, *catalogs); !err.empty()) {
    std::cerr << "vigia-bench ingest: " << err << "\n";
    return 2;
  }
  const std::string vigiad = VigiadPath(o.vigiad);
  std::vector<std::string> messages;
  if (o.throughput) {
    messages.reserve(o.events);
    for (uint64_t i = 0; i < o.events; ++i) messages.push_back(EventJson(events, i, 0));
  }
  int failures = 0;
  std::optional<BaselineResult> baseline;
  if (o.throughput && o.baseline) {
    baseline = MeasureBaseline(
        messages, o.window, [&](uint64_t i) { return EventJson(events, i, 0); },
        FixedRateOptions{o.rate, o.duration, 0, 0});
    failures += !baseline->ok;
  }
  std::vector<SyncFigures> figures;
  for (const std::string& sync : o.syncs) {
    figures.emplace_back();
    figures.back().sync = sync;
    if (o.throughput)
      failures +=
          !RunPhase(o, vigiad, Phase::kThroughput, events, messages, baseline, figures.back());
    failures += !RunPhase(o, vigiad, Phase::kLatency, events, messages, baseline, figures.back());
  }
  if (!o.json.empty()) {
    boost::json::object j{{"mode", o.throughput ? "ingest" : "latency"},
                          {"ok", failures == 0},
                          {"rules", boost::json::value_from(o.rules)},
                          {"load_average", LoadAverage()}};
    if (baseline) j["baseline"] = BaselineJson(*baseline);
    boost::json::array runs;
    for (const SyncFigures& f : figures) runs.push_back(SyncJson(f, o, baseline));
    j["runs"] = std::move(runs);
    if (!WriteJsonFile(o.json, j)) ++failures;
  }
  return failures ? 1 : 0;
}

int RunLatency(IngestOptions o) {
  o.throughput = false;
  o.baseline = false;
  return RunIngest(o);
}

CLI::App* AddLatencyCommand(CLI::App& app, IngestOptions& o) {
  auto* cmd = app.add_subcommand(
      "latency", "fixed-rate ingest into vigiad: ack and ingest → alert published percentiles");
  cmd->add_option("--vigiad", o.vigiad, "the vigiad binary (default: beside vigia-bench)");
  cmd->add_option("--sync", o.syncs, "storage.sync, one daemon run each")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "normal"}));
  cmd->add_option("--rules", o.rules, "rule files, or folders of them (*.yaml)")
      ->capture_default_str();
  cmd->add_option("--base", o.base, "events scaled and re-timed to now")->capture_default_str();
  cmd->add_option("--rate", o.rate, "events/s")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--duration", o.duration, "seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--probe-every", o.probe_every,
                  "one event in this many is a killing that fires lethal-attack (0: none)")
      ->capture_default_str();
  cmd->add_option("--dir", o.dir, "parent of the temp dirs (on the disk to measure)")
      ->capture_default_str();
  cmd->add_flag("--keep", o.keep, "keep the temp dirs");
  cmd->add_option("--json", o.json, "also write the figures to this file as JSON");
  return cmd;
}

}  // namespace vigia::bench
