// SPDX-License-Identifier: Apache-2.0
// `vigia replay`: offline evaluation of a JSON Lines stream, or of a database's
// journal with its own seqs and arrivals (--from-db); one alert JSON per line on
// stdout, deterministic, or with --report the report of report.h instead; a
// progress bar on stderr when it is a terminal.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <unordered_map>

#include "core/event_decoder.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/common.h"
#include "daemon/cli/export_command.h"
#include "daemon/cli/report.h"
#include "engine/offline_runner.h"

namespace vigia::cli {
namespace {

// Prints alerts as they fire, and each retraction as the alert again with
// status "resolved" and its resolution; or, with a report, hands them to it.
class ReplaySink : public engine::AlertSink {
 public:
  // `report` (optional) must outlive the sink; when set nothing is printed.
  ReplaySink(std::ostream& out, ReportCollector* report) : out_(out), report_(report) {}
  void OnAlert(const engine::Alert& a) override {
    ++alerts_;
    if (report_) {
      report_->AddAlert(a);
      return;
    }
    out_ << engine::AlertJson(a) << '\n';
    alerts_by_id_[a.id] = a;
  }
  void OnRetraction(const engine::Retraction& x) override {
    if (report_) {
      ++resolved_;
      report_->AddRetraction(x);
      return;
    }
    auto it = alerts_by_id_.find(x.alert_id);
    if (it == alerts_by_id_.end()) return;
    out_ << engine::ResolvedAlertJson(it->second, x) << '\n';
    ++resolved_;
    alerts_by_id_.erase(it);
  }
  size_t alerts() const { return alerts_; }
  size_t resolved() const { return resolved_; }

 private:
  std::ostream& out_;
  ReportCollector* report_;
  size_t alerts_ = 0, resolved_ = 0;
  std::unordered_map<std::string, engine::Alert> alerts_by_id_;
};

class Progress {
 public:
  explicit Progress(uintmax_t total) : enabled_(isatty(STDERR_FILENO) == 1), total_(total) {}
  void Update(uintmax_t done, size_t events) {
    if (!enabled_ || (events & 0x3fff) != 0) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    Draw(done, events);
  }
  void Done(uintmax_t done, size_t events) {
    if (!enabled_) return;
    Draw(done, events);
    std::fputc('\n', stderr);
  }

 private:
  void Draw(uintmax_t done, size_t events) {
    const int width = 30;
    const double frac = total_ ? std::min(1.0, static_cast<double>(done) / total_) : 1.0;
    const int filled = static_cast<int>(frac * width);
    std::fprintf(stderr, "\r[%.*s%*s] %5.1f%%  %zu events", filled, "##############################",
                 width - filled, "", frac * 100, events);
  }
  bool enabled_;
  uintmax_t total_;
  std::chrono::steady_clock::time_point last_{};
};

struct Counts {
  size_t events = 0, rejected = 0, duplicates = 0;
};

// A JSON Lines stream through the offline runner: arrival = the newest event
// time so far (rules.md, "The clock").
Counts ReplayJsonLines(std::istream& in, uintmax_t total, const std::string& name,
                       engine::OfflineRunner& runner, EventDecoder& decoder,
                       ReportCollector* report) {
  Progress progress(total);
  Counts n;
  size_t line_no = 0;
  uintmax_t bytes = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_no;
    bytes += line.size() + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto event = decoder.Decode(line);
    if (!event) {
      ++n.rejected;
      // The reply names the code and field; never the event's content.
      std::cerr << name << ":" << line_no << ": " << RenderError(event.error()) << "\n";
      continue;
    }
    ++n.events;
    const std::string id = event->id;
    std::optional<Event> severe;
    if (report && report->IsSevere(*event)) severe = *event;
    auto verdict = runner.Push(std::move(*event));
    if (verdict == engine::DedupIndex::Verdict::kNew && severe) report->AddEvent(*severe);
    if (verdict == engine::DedupIndex::Verdict::kDuplicate) ++n.duplicates;
    if (verdict == engine::DedupIndex::Verdict::kConflict) {
      ++n.rejected;
      std::cerr << name << ":" << line_no << ": "
                << RenderError({ErrorCode::kDuplicateConflict, id, "id",
                                "a known (source, id) with different content"})
                << "\n";
    }
    progress.Update(bytes, n.events);
  }
  progress.Done(bytes, n.events);
  return n;
}

// A database's journal, in seq order, with each row's seq and arrival, straight
// into the engine: the journal holds only the events the daemon evaluated (no
// duplicate check here: the daemon's dedup window may differ from the default),
// and this is how it evaluated them. Returns nullopt when the journal cannot be read.
std::optional<Counts> ReplayJournal(storage::Database& db, const std::string& name,
                                    engine::Engine& engine, EventDecoder& decoder,
                                    ReportCollector* report) {
  auto max_seq = db.MaxSeq();
  Progress progress(max_seq ? *max_seq : 0);
  Counts n;
  uint64_t last_seq = 0;
  const storage::Status read = db.ReadJournal(0, [&](const storage::JournalRow& row) {
    last_seq = row.seq;
    auto event = decoder.Decode(row.body);
    if (!event) {
      // Journaled bodies were valid: the catalogs differ from the daemon's.
      ++n.rejected;
      std::cerr << name << ": seq " << row.seq << ": " << RenderError(event.error()) << "\n";
      return;
    }
    ++n.events;
    event->seq = row.seq;
    event->arrival = row.arrival;
    engine.Process(*event);
    if (report) report->AddEvent(*event);
    progress.Update(row.seq, n.events);
  });
  progress.Done(last_seq, n.events);
  if (!read.ok()) {
    std::cerr << "vigia replay: " << name << ": reading the journal: "
              << storage::ToString(read.error()) << "\n";
    return std::nullopt;
  }
  return n;
}

}  // namespace

int RunReplay(const ReplayOptions& options) {
  if (options.events_file.empty() == options.from_db.empty()) {
    std::cerr << "vigia replay: give an events file or --from-db, not both\n";
    return kExitUsage;
  }
  if (options.format != "text" && options.format != "json") {
    std::cerr << "vigia replay: --format: expected text or json, got '" << options.format << "'\n";
    return kExitUsage;
  }
  auto catalogs = LoadCatalogsOrReport(options.catalogs_dir);
  if (!catalogs) return kExitUsage;
  if (options.rule_args.empty()) {
    std::cerr << "vigia replay: give at least one --rules\n";
    return kExitUsage;
  }
  auto rules = LoadRulesOrReport(ExpandRuleArgs(options.rule_args), *catalogs);
  if (!rules) return kExitUsage;
  std::optional<TimeUs> until;
  if (options.until) {
    until = ParseRfc3339(*options.until);
    if (!until) {
      std::cerr << "vigia replay: --until: expected an RFC 3339 timestamp such as "
                   "2017-03-23T08:15:00Z, got '" << *options.until << "'\n";
      return kExitUsage;
    }
  }

  std::ios::sync_with_stdio(false);
  std::optional<ReportCollector> report;
  if (options.report) report.emplace(catalogs->taxonomy);
  ReplaySink sink(std::cout, report ? &*report : nullptr);
  EventDecoder decoder(*catalogs, DecodeLimits{});
  Counts counts;
  const auto start = std::chrono::steady_clock::now();
  if (!options.from_db.empty()) {
    auto db = OpenDatabaseOrReport(options.from_db, "vigia replay");
    if (!db) return kExitUsage;
    engine::Engine engine(rules, sink);
    auto n = ReplayJournal(*db, options.from_db, engine, decoder, report ? &*report : nullptr);
    if (!n) return kExitProblems;
    counts = *n;
    // The clock is at the last arrival, with every deadline up to it fired.
    if (until) engine.AdvanceTo(*until);
  } else {
    std::ifstream file;
    std::istream* in = &std::cin;
    uintmax_t total = 0;
    if (options.events_file != "-") {
      file.open(options.events_file, std::ios::binary);
      if (!file) {
        std::cerr << "vigia replay: cannot open '" << options.events_file << "'\n";
        return kExitUsage;
      }
      std::error_code ec;
      total = std::filesystem::file_size(options.events_file, ec);
      in = &file;
    }
    engine::OfflineRunner runner(rules, sink);
    counts = ReplayJsonLines(*in, total, options.events_file, runner, decoder,
                             report ? &*report : nullptr);
    runner.Finish(until);
  }
  if (report) {
    const Report r = report->Build();
    std::cout << (options.format == "json" ? RenderReportJson(r) : RenderReportText(r));
  }
  std::cout.flush();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!options.quiet) {
    std::fprintf(stderr,
                 "replay: %zu events (%zu duplicates, %zu rejected), %zu alerts, %zu resolved, "
                 "%.3f s, %.0f events/s\n",
                 counts.events, counts.duplicates, counts.rejected, sink.alerts(), sink.resolved(),
                 secs, secs > 0 ? counts.events / secs : 0.0);
  }
  return kExitOk;
}

}  // namespace vigia::cli
