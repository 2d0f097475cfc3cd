// SPDX-License-Identifier: Apache-2.0
// The offline `vigia` subcommands (daemon.md, "CLI"). Each returns the exit code.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace vigia::cli {

struct CheckOptions {
  std::vector<std::string> rule_args;
  std::string catalogs_dir;
  std::string format = "text";  // text | json
};
int RunCheck(const CheckOptions& options);

struct TestOptions {
  std::vector<std::string> files;
  std::string catalogs_dir;
  bool verbose = false;
};
int RunTest(const TestOptions& options);

// `vigia replay`: a JSON Lines file (arrival = the newest event time so far), or
// with `from_db` a database's journal in seq order with its seqs and arrivals.
// With `report`, stdout gets the report (report.h) instead of the alerts.
struct ReplayOptions {
  std::vector<std::string> rule_args;
  std::string events_file;  // "-" for stdin; empty with from_db
  std::string from_db;      // a vigia SQLite database; empty: events_file
  std::optional<std::string> until;
  std::string catalogs_dir;
  bool quiet = false;  // no summary on stderr
  bool report = false;
  std::string format = "text";  // of the report: text | json
};
int RunReplay(const ReplayOptions& options);

// `vigia export`: the journal of a database as JSON Lines (each row's body, in
// seq order), the events whose event time is in [since, until).
struct ExportOptions {
  std::string db;
  std::optional<std::string> since, until;  // RFC 3339
  std::string out = "-";                    // "-": stdout
};
int RunExport(const ExportOptions& options);

// CurveZMQ for push and watch (daemon.md "CurveZMQ"): both files or neither.
struct CurveClientOptions {
  std::string client_key;  // NAME.key from `vigia keygen`: public + secret
  std::string server_key;  // a file with the server's `public:` key
};

struct PushOptions {
  std::string endpoint = "tcp://127.0.0.1:7701";
  std::string file = "-";
  CurveClientOptions curve;
};
int RunPush(const PushOptions& options);

struct WatchOptions {
  std::string endpoint = "tcp://127.0.0.1:7703";
  std::string level;   // minimum level; empty: all
  std::string region;  // empty: all
  bool json = false;   // print the alert JSON instead of a line
  CurveClientOptions curve;
};
int RunWatch(const WatchOptions& options);

// `vigia keygen NAME`: writes DIR/NAME.key (mode 0600; DIR made 0700) and
// DIR/NAME.pub.yaml, never replacing a file; prints where.
struct KeygenOptions {
  std::string name;
  std::string dir = ".";
  std::vector<std::string> sources, regions;  // for NAME.pub.yaml
};
int RunKeygen(const KeygenOptions& options, std::ostream& out, std::ostream& err);

}  // namespace vigia::cli
