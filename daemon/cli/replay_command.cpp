// SPDX-License-Identifier: Apache-2.0
// `vigia replay`: offline evaluation of a JSON Lines stream; one alert JSON per
// line on stdout, deterministic; a progress bar on stderr when it is a terminal.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <unordered_map>

#include "core/event_decoder.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/common.h"
#include "engine/offline_runner.h"

namespace vigia::cli {
namespace {

// Prints alerts as they fire, and each retraction as the alert again with
// status "resolved" and its resolution.
class PrintingSink : public engine::AlertSink {
 public:
  explicit PrintingSink(std::ostream& out) : out_(out) {}
  void OnAlert(const engine::Alert& a) override {
    out_ << engine::AlertJson(a) << '\n';
    ++alerts_;
    alerts_by_id_[a.id] = a;
  }
  void OnRetraction(const engine::Retraction& x) override {
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

}  // namespace

int RunReplay(const ReplayOptions& options) {
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

  std::ios::sync_with_stdio(false);
  PrintingSink sink(std::cout);
  engine::OfflineRunner runner(rules, sink);
  EventDecoder decoder(*catalogs, DecodeLimits{});
  Progress progress(total);
  size_t line_no = 0, events = 0, rejected = 0, duplicates = 0;
  uintmax_t bytes = 0;
  std::string line;
  const auto start = std::chrono::steady_clock::now();
  while (std::getline(*in, line)) {
    ++line_no;
    bytes += line.size() + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto event = decoder.Decode(line);
    if (!event) {
      ++rejected;
      // The reply names the code and field; never the event's content.
      std::cerr << options.events_file << ":" << line_no << ": " << RenderError(event.error()) << "\n";
      continue;
    }
    ++events;
    const std::string id = event->id;
    auto verdict = runner.Push(std::move(*event));
    if (verdict == engine::DedupIndex::Verdict::kDuplicate) ++duplicates;
    if (verdict == engine::DedupIndex::Verdict::kConflict) {
      ++rejected;
      std::cerr << options.events_file << ":" << line_no << ": "
                << RenderError({ErrorCode::kDuplicateConflict, id, "id",
                                "a known (source, id) with different content"})
                << "\n";
    }
    progress.Update(bytes, events);
  }
  runner.Finish(until);
  std::cout.flush();
  progress.Done(bytes, events);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!options.quiet) {
    std::fprintf(stderr,
                 "replay: %zu events (%zu duplicates, %zu rejected), %zu alerts, %zu resolved, "
                 "%.3f s, %.0f events/s\n",
                 events, duplicates, rejected, sink.alerts(), sink.resolved(), secs,
                 secs > 0 ? events / secs : 0.0);
  }
  return kExitOk;
}

}  // namespace vigia::cli
