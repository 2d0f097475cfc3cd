// SPDX-License-Identifier: Apache-2.0
// `vigia export` and `vigia replay --from-db` against the real `vigia` binary, on
// databases written with storage::Database: the round trip journal → export →
// replay gives the alerts of replaying the original file.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/event_decoder.h"
#include "daemon/cli/cli_test_util.h"
#include "storage/database.h"

namespace vigia::cli {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = VIGIA_SOURCE_DIR;
const fs::path kRules = kSource / "rules/examples";
const fs::path kEvents = kSource / "rules/examples/events.jsonl";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Quote(const fs::path& p) { return "'" + p.string() + "'"; }

// Runs `vigia ARGS >out 2>err` through the shell; the exit code.
int Vigia(const std::string& args, const fs::path& out, const fs::path& err) {
  const std::string cmd =
      std::string("'") + VIGIA_BIN + "' " + args + " >" + Quote(out) + " 2>" + Quote(err);
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

std::vector<Event> DecodeFile(const fs::path& path) {
  EventDecoder decoder(Catalogs::Defaults(), DecodeLimits{});
  std::vector<Event> events;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto e = decoder.Decode(line);
    REQUIRE(e);
    events.push_back(std::move(*e));
  }
  return events;
}

// Journals `events` in order, each with arrival = `arrival(i, event)`.
template <typename ArrivalFn>
void WriteJournal(const fs::path& db_path, const std::vector<Event>& events, ArrivalFn arrival) {
  auto db = storage::Database::Open(db_path, storage::SyncMode::kNormal);
  REQUIRE(db);
  std::vector<storage::JournalRow> rows;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    rows.push_back({i + 1, arrival(i, e), e.time, e.source, e.id, CanonicalJson(e)});
  }
  REQUIRE((*db)->AppendJournal(rows).ok());
}

}  // namespace

TEST_CASE("export then replay, and replay --from-db, give the alerts of the original file",
          "[cli][export]") {
  TempDir dir("vigia-export-test");
  const auto events = DecodeFile(kEvents);
  REQUIRE(events.size() > 700);
  // The arrivals `vigia replay` gives a file: the newest event time so far. A
  // live daemon's are its wall clock, which only --from-db can reproduce.
  TimeUs newest = INT64_MIN;
  WriteJournal(dir / "v.db", events, [&](size_t, const Event& e) {
    newest = std::max(newest, e.time);
    return newest;
  });

  const std::string rules = "--quiet --rules " + Quote(kRules) + " ";
  REQUIRE(Vigia("replay " + rules + Quote(kEvents), dir / "file.out", dir / "err") == 0);
  REQUIRE(Vigia("export --db " + Quote(dir / "v.db") + " -o " + Quote(dir / "export.jsonl"),
                dir / "out", dir / "export.err") == 0);
  CHECK(ReadFile(dir / "out").empty());
  CHECK(ReadFile(dir / "export.err") == "export: " + std::to_string(events.size()) + " of " +
                                            std::to_string(events.size()) + " events\n");
  REQUIRE(Vigia("replay " + rules + Quote(dir / "export.jsonl"), dir / "export.out", dir / "err") ==
          0);
  REQUIRE(Vigia("replay " + rules + "--from-db " + Quote(dir / "v.db"), dir / "db.out",
                dir / "err") == 0);

  const std::string alerts = ReadFile(dir / "file.out");
  REQUIRE(std::count(alerts.begin(), alerts.end(), '\n') > 20);
  CHECK(ReadFile(dir / "export.out") == alerts);
  CHECK(ReadFile(dir / "db.out") == alerts);

  SECTION("the export is each event's canonical JSON, in journal order, private") {
    std::string expected;
    for (const auto& e : events) expected += CanonicalJson(e) + "\n";
    CHECK(ReadFile(dir / "export.jsonl") == expected);
    struct stat st {};
    REQUIRE(::stat((dir / "export.jsonl").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  SECTION("the report is the same from the file and from the database") {
    REQUIRE(Vigia("replay --report --format json " + rules + Quote(kEvents), dir / "r1",
                  dir / "err") == 0);
    REQUIRE(Vigia("replay --report --format json " + rules + "--from-db " + Quote(dir / "v.db"),
                  dir / "r2", dir / "err") == 0);
    CHECK(ReadFile(dir / "r1").find("\"severe_total\":{\"events\":4,") != std::string::npos);
    CHECK(ReadFile(dir / "r2") == ReadFile(dir / "r1"));
  }
  SECTION("--since and --until select on event time, since <= time < until") {
    const char* since = "2017-03-01T00:00:00Z";
    const char* until = "2017-04-01T00:00:00Z";
    std::string expected;
    size_t n = 0;
    for (const auto& e : events) {
      if (e.time < *ParseRfc3339(since) || e.time >= *ParseRfc3339(until)) continue;
      expected += CanonicalJson(e) + "\n";
      ++n;
    }
    REQUIRE(n > 0);
    REQUIRE(n < events.size());
    REQUIRE(Vigia(std::string("export --db ") + Quote(dir / "v.db") + " --since " + since +
                      " --until " + until,
                  dir / "range.jsonl", dir / "err") == 0);
    CHECK(ReadFile(dir / "range.jsonl") == expected);
    CHECK(ReadFile(dir / "err") ==
          "export: " + std::to_string(n) + " of " + std::to_string(events.size()) + " events\n");
  }
}

TEST_CASE("replay --from-db evaluates each event at its journaled arrival", "[cli][export]") {
  TempDir dir("vigia-export-test");
  // A killing reported two hours after it happened: live, the lethal-attack
  // alert fired on its arrival. Replaying the export can only know its time.
  const std::string line =
      R"({"id":"k1","type":"report","time":"2017-03-01T10:00:00Z","source":"t",)"
      R"("region":"MX-GRO","groups":["journalist"],"category":"killing"})";
  { std::ofstream(dir / "one.jsonl") << line << "\n"; }
  const auto events = DecodeFile(dir / "one.jsonl");
  WriteJournal(dir / "v.db", events, [](size_t, const Event& e) { return e.time + 2 * kHour; });
  const std::string rules = "--quiet --rules " + Quote(kRules / "lethal.yaml") + " --rules " +
                            Quote(kRules / "lists.yaml") + " ";
  REQUIRE(Vigia("replay " + rules + "--from-db " + Quote(dir / "v.db"), dir / "db.out",
                dir / "err") == 0);
  REQUIRE(Vigia("export --db " + Quote(dir / "v.db") + " -o " + Quote(dir / "e.jsonl"), dir / "out",
                dir / "err") == 0);
  REQUIRE(Vigia("replay " + rules + Quote(dir / "e.jsonl"), dir / "file.out", dir / "err") == 0);
  const std::string db_out = ReadFile(dir / "db.out"), file_out = ReadFile(dir / "file.out");
  CHECK(db_out.find(R"("time":"2017-03-01T10:00:00Z")") != std::string::npos);
  CHECK(db_out.find(R"("fired_at":"2017-03-01T12:00:00Z")") != std::string::npos);
  CHECK(file_out.find(R"("fired_at":"2017-03-01T10:00:00Z")") != std::string::npos);
  // The same alert otherwise: only fired_at differs.
  auto without_fired_at = [](std::string s) {
    const size_t at = s.find(R"("fired_at":")");
    REQUIRE(at != std::string::npos);
    return s.erase(at, std::string(R"("fired_at":"2017-03-01T12:00:00Z",)").size());
  };
  CHECK(without_fired_at(db_out) == without_fired_at(file_out));
}

TEST_CASE("export and replay --from-db refuse what they cannot use", "[cli][export]") {
  TempDir dir("vigia-export-test");
  const std::string rules = "--rules " + Quote(kRules) + " ";
  SECTION("no database: exit 2, and none is created") {
    CHECK(Vigia("export --db " + Quote(dir / "missing.db"), dir / "out", dir / "err") == 2);
    CHECK(ReadFile(dir / "err") ==
          "vigia export: no database at '" + (dir / "missing.db").string() + "'\n");
    CHECK(Vigia("replay " + rules + "--from-db " + Quote(dir / "missing.db"), dir / "out",
                dir / "err") == 2);
    CHECK(ReadFile(dir / "err") ==
          "vigia replay: no database at '" + (dir / "missing.db").string() + "'\n");
    CHECK_FALSE(fs::exists(dir / "missing.db"));
  }
  SECTION("not a database") {
    std::ofstream(dir / "x.db") << "hello, this is not SQLite, and it is long enough to tell\n";
    CHECK(Vigia("export --db " + Quote(dir / "x.db"), dir / "out", dir / "err") == 2);
    CHECK(ReadFile(dir / "err").rfind("vigia export: cannot open '", 0) == 0);
  }
  SECTION("a malformed time") {
    WriteJournal(dir / "v.db", {}, [](size_t, const Event&) { return TimeUs{0}; });
    CHECK(Vigia("export --db " + Quote(dir / "v.db") + " --since 01/03/2017", dir / "out",
                dir / "err") == 2);
    CHECK(ReadFile(dir / "err") ==
          "vigia export: --since: expected an RFC 3339 timestamp such as 2017-03-23T08:15:00Z, "
          "got '01/03/2017'\n");
  }
  SECTION("an empty journal exports nothing and replays to no alerts") {
    WriteJournal(dir / "v.db", {}, [](size_t, const Event&) { return TimeUs{0}; });
    CHECK(Vigia("export --db " + Quote(dir / "v.db") + " -o " + Quote(dir / "e.jsonl"), dir / "out",
                dir / "err") == 0);
    CHECK(ReadFile(dir / "e.jsonl").empty());
    CHECK(Vigia("replay --quiet " + rules + "--from-db " + Quote(dir / "v.db"), dir / "out",
                dir / "err") == 0);
    CHECK(ReadFile(dir / "out").empty());
  }
  SECTION("an events file and --from-db together, or --format without --report") {
    WriteJournal(dir / "v.db", {}, [](size_t, const Event&) { return TimeUs{0}; });
    CHECK(Vigia("replay " + rules + "--from-db " + Quote(dir / "v.db") + " " + Quote(kEvents),
                dir / "out", dir / "err") == 2);
    CHECK(Vigia("replay " + rules + "--format json " + Quote(kEvents), dir / "out", dir / "err") ==
          2);
    CHECK(Vigia("replay " + rules, dir / "out", dir / "err") == 2);
    CHECK(ReadFile(dir / "err").find("events is required") != std::string::npos);
  }
}

}  // namespace vigia::cli
