// SPDX-License-Identifier: Apache-2.0
#include "config/config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "config/detail/testing.h"

namespace vigia::config {
namespace {

using testing::Briefs;
using testing::Parse;
using testing::Where;
using Strings = std::vector<std::string>;
namespace fs = std::filesystem;

TEST_CASE("The shipped config/vigia.yaml loads with no diagnostics", "[config]") {
  auto result = LoadConfig(fs::path(VIGIA_SOURCE_DIR) / "config/vigia.yaml");
  CHECK(Briefs(result.diagnostics()) == Strings{});
  CHECK(result.ok());
}

TEST_CASE("The embedded default is config/vigia.yaml with loopback endpoints", "[config]") {
  std::ifstream in(fs::path(VIGIA_SOURCE_DIR) / "config/vigia.yaml", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  CHECK(DefaultConfigYaml() == text);

  Config c = DefaultConfig("/etc/vigia");
  CHECK(c.file == "/etc/vigia/vigia.yaml");
  CHECK(c.base_dir == "/etc/vigia");
  CHECK_FALSE(c.node.empty());
  CHECK(c.catalogs.regions.empty());
  REQUIRE(c.rules.size() == 1);
  CHECK(c.rules[0].written == "rules/*.yaml");
  CHECK(c.rules[0].pattern == "/etc/vigia/rules/*.yaml");
  CHECK(c.storage.path == "/etc/vigia/var/vigia.db");
  CHECK(c.storage.retention == 730 * kDay);
  CHECK(c.storage.sync == SyncMode::kFull);
  CHECK(c.engine.allowed_lateness == kHour);
  CHECK(c.engine.max_future_skew == 5 * kMinute);
  CHECK(c.engine.startup_grace == 5 * kMinute);
  REQUIRE(c.ingest.zmq.size() == 2);
  CHECK(c.ingest.zmq[0].endpoint == "tcp://127.0.0.1:7701");
  CHECK(c.ingest.zmq[0].mode == ZmqMode::kAck);
  CHECK(c.ingest.zmq[1].endpoint == "tcp://127.0.0.1:7702");
  CHECK(c.ingest.zmq[1].mode == ZmqMode::kPush);
  CHECK(c.ingest.zmq[1].pos.file == "/etc/vigia/vigia.yaml");
  CHECK(c.ingest.zmq[1].pos.line > 0);
  CHECK(c.ingest.max_message == 64 * 1024);
  CHECK(c.ingest.dedup_window == 30 * kDay);
  CHECK_FALSE(c.ingest.auth);
  CHECK(c.ingest.files.empty());
  REQUIRE(c.alerts);
  CHECK(c.alerts->publish == "tcp://127.0.0.1:7703");
  REQUIRE(c.http);
  CHECK(c.http->bind == "127.0.0.1:7780");
  CHECK(c.http->host == "127.0.0.1");
  CHECK(c.http->port == 7780);
  CHECK(c.http->tokens_file.empty());
  CHECK_FALSE(c.notifier);
  CHECK(c.log.level == LogLevel::kInfo);
  CHECK(c.log.format == LogFormat::kText);
}

TEST_CASE("The example of daemon.md loads with every key set", "[config]") {
  auto result = Parse(R"(node: chihuahua-1
catalogs: {regions: config/regions/mx.yaml, groups: config/groups.yaml, taxonomy: /usr/share/vigia/taxonomy.yaml}
rules: [rules/*.yaml, /srv/rules/**/*.yaml]
storage: {path: var/vigia.db, retention: 730d, sync: normal}
engine: {allowed_lateness: 2h, max_future_skew: 10m, startup_grace: 0s}
ingest:
  zmq:
    - {bind: "tcp://127.0.0.1:7701", mode: ack}
    - {bind: "tcp://[::1]:7702", mode: push}
    - {bind: "ipc://var/vigia-ingest", mode: ack}
  max_message: 1MiB
  dedup_window: 2w
  auth: {curve_secret_key_file: keys/server.key, clients_dir: ../keys/clients}
  files: [{path: drop/red-tdt.jsonl, from: end}, {path: /var/spool/b.jsonl}]
alerts: {publish: "tcp://localhost:7703"}
http: {bind: "0.0.0.0:7780", tokens_file: keys/tokens.yaml}
notifier:
  receivers:
    - name: archive
      file: {path: var/alerts.jsonl}
  policies: {default: [{after: 0s, notify: [archive]}]}
  routes: [{policy: default}]
log: {level: debug, format: json}
)");
  REQUIRE(Briefs(result.diagnostics()) == Strings{});
  const Config& c = result.value();
  CHECK(c.node == "chihuahua-1");
  CHECK(c.catalogs.regions == "/etc/vigia/config/regions/mx.yaml");
  CHECK(c.catalogs.groups == "/etc/vigia/config/groups.yaml");
  CHECK(c.catalogs.taxonomy == "/usr/share/vigia/taxonomy.yaml");
  REQUIRE(c.rules.size() == 2);
  CHECK(c.rules[1].written == "/srv/rules/**/*.yaml");
  CHECK(c.rules[1].pattern == "/srv/rules/**/*.yaml");
  CHECK(c.rules[1].pos.line == 3);
  CHECK(c.rules[1].pos.column == 23);
  CHECK(c.storage.sync == SyncMode::kNormal);
  CHECK(c.engine.allowed_lateness == 2 * kHour);
  CHECK(c.engine.max_future_skew == 10 * kMinute);
  CHECK(c.engine.startup_grace == 0);
  REQUIRE(c.ingest.zmq.size() == 3);
  CHECK(c.ingest.zmq[1].endpoint == "tcp://[::1]:7702");
  CHECK(c.ingest.zmq[2].endpoint == "ipc:///etc/vigia/var/vigia-ingest");
  CHECK(c.ingest.zmq[2].pos.line == 10);
  CHECK(c.ingest.zmq[2].pos.column == 14);
  CHECK(c.ingest.max_message == 1024 * 1024);
  CHECK(c.ingest.dedup_window == 14 * kDay);
  REQUIRE(c.ingest.auth);
  CHECK(c.ingest.auth->curve_secret_key_file == "/etc/vigia/keys/server.key");
  CHECK(c.ingest.auth->clients_dir == "/etc/keys/clients");
  REQUIRE(c.ingest.files.size() == 2);
  CHECK(c.ingest.files[0].path == "/etc/vigia/drop/red-tdt.jsonl");
  CHECK(c.ingest.files[0].from == TailFrom::kEnd);
  CHECK(c.ingest.files[1].from == TailFrom::kStart);
  CHECK(c.alerts->publish == "tcp://localhost:7703");
  CHECK(c.http->host == "0.0.0.0");
  CHECK(c.http->tokens_file == "/etc/vigia/keys/tokens.yaml");
  REQUIRE(c.notifier);
  REQUIRE(c.notifier->receivers.size() == 1);
  CHECK(std::get<FileReceiver>(c.notifier->receivers[0].kind).path ==
        "/etc/vigia/var/alerts.jsonl");
  CHECK(c.notifier->receivers[0].pos.line == 19);
  CHECK(c.log.level == LogLevel::kDebug);
  CHECK(c.log.format == LogFormat::kJson);
}

TEST_CASE("A file with four mistakes gets four diagnostics at once", "[config]") {
  auto result = Parse(R"(nodes: chihuahua-1
storage: {path: var/vigia.db, retention: 2 years, sync: fast}
ingest:
  zmq:
    - {bind: "tcp://127.0.0.1:*", mode: ack}
  max_message: 64KiB
log: {level: info, format: text}
)");
  CHECK_FALSE(result.ok());
  CHECK(result.error_count() == 4);
  CHECK(Where(result.diagnostics()) == Strings{"1:1 C101", "2:42 C104", "2:57 C103", "5:14 C106"});
}

TEST_CASE("Relative paths resolve against the config file's folder", "[config]") {
  fs::path dir = fs::temp_directory_path() / "vigia_config_test";
  fs::create_directories(dir / "sub");
  {
    std::ofstream out(dir / "sub/vigia.yaml");
    out << "rules: [rules/*.yaml, ../shared/*.yaml]\n"
           "storage: {path: ./var/../db/vigia.db}\n"
           "ingest: {zmq: [{bind: ipc://run/in, mode: push}], files: [{path: drop.jsonl}]}\n"
           "http: {bind: 'localhost:7780', tokens_file: tokens.yaml}\n";
  }
  // Loaded through a relative path, as `vigiad --config sub/vigia.yaml` would.
  fs::path cwd = fs::current_path();
  fs::current_path(dir);
  auto result = LoadConfig("sub/vigia.yaml");
  fs::current_path(cwd);
  REQUIRE(Briefs(result.diagnostics()) == Strings{});
  const Config& c = result.value();
  fs::path sub = dir / "sub";
  CHECK(c.file == sub / "vigia.yaml");
  CHECK(c.base_dir == sub);
  CHECK(c.rules[0].pattern == sub / "rules/*.yaml");
  CHECK(c.rules[1].pattern == dir / "shared/*.yaml");
  CHECK(c.rules[1].written == "../shared/*.yaml");
  CHECK(c.storage.path == sub / "db/vigia.db");
  CHECK(c.ingest.zmq[0].endpoint == "ipc://" + (sub / "run/in").string());
  CHECK(c.ingest.files[0].path == sub / "drop.jsonl");
  CHECK(c.http->tokens_file == sub / "tokens.yaml");
  fs::remove_all(dir);
}

TEST_CASE("An unreadable or invalid file is C001", "[config]") {
  SECTION("missing") {
    auto result = LoadConfig("/nonexistent/vigia.yaml");
    REQUIRE(result.diagnostics().size() == 1);
    CHECK(result.diagnostics()[0].code == "C001");
    CHECK(result.diagnostics()[0].message == "no such config file");
  }
  SECTION("a folder") {
    auto result = LoadConfig(fs::temp_directory_path());
    REQUIRE(result.diagnostics().size() == 1);
    CHECK(result.diagnostics()[0].message == "cannot read the config file");
  }
  SECTION("a syntax error") {
    auto result = Parse("storage: {path: x\nlog: {}\n");
    REQUIRE(result.diagnostics().size() == 1);
    CHECK(result.diagnostics()[0].code == "C001");
    CHECK(result.diagnostics()[0].pos.file == "/etc/vigia/vigia.yaml");
    CHECK(result.diagnostics()[0].pos.line >= 1);
  }
  SECTION("two documents") {
    auto result = Parse(std::string(testing::kWayIn) + "---\nlog: {}\n");
    CHECK(Where(result.diagnostics()) == Strings{"3:1 C001"});
  }
}

TEST_CASE("A config with no way to receive events is C108", "[config]") {
  SECTION("an empty file") { CHECK(Where(Parse("").diagnostics()) == Strings{"1:1 C108"}); }
  SECTION("an ingest section without sockets or files, pointed at") {
    CHECK(Where(Parse("log: {level: info}\ningest: {max_message: 1MiB}\n").diagnostics()) ==
          Strings{"2:1 C108"});
  }
  SECTION("an HTTP API without tokens cannot take events") {
    CHECK(Where(Parse("http: {bind: '127.0.0.1:7780'}\n").diagnostics()) == Strings{"1:1 C108"});
  }
  SECTION("an HTTP API with tokens is enough") {
    CHECK(Parse("http: {bind: '127.0.0.1:7780', tokens_file: t.yaml}\n").ok());
  }
  SECTION("a mistyped socket list is reported once, as the wrong type") {
    CHECK(Where(Parse("ingest: {zmq: {bind: 'tcp://127.0.0.1:7701'}}\n").diagnostics()) ==
          Strings{"1:15 C102"});
  }
  SECTION("a misspelt 'ingest' is reported once, as unknown") {
    CHECK(Where(Parse("ingets: {zmq: [{bind: 'inproc://e', mode: ack}]}\n").diagnostics()) ==
          Strings{"1:1 C101"});
  }
  SECTION("tailed files are enough") { CHECK(Parse("ingest: {files: [{path: a.jsonl}]}\n").ok()); }
}

TEST_CASE("Diagnostics come in the order of the file", "[config]") {
  auto result = Parse(R"(ingest: {zmq: [{bind: "tcp://127.0.0.1:7701", mode: ack}]}
http: {bind: "127.0.0.1:7701", tokens_file: t.yaml}
log: {level: loud}
)");
  CHECK(Where(result.diagnostics()) == Strings{"2:14 C107", "3:14 C103"});
}

TEST_CASE("Diagnostics render with the line, a caret and the hint", "[config]") {
  auto result = Parse(std::string(testing::kWayIn) + "storage: {sync: fulll}\n");
  CHECK(RenderText(result.diagnostics(), false) ==
        "/etc/vigia/vigia.yaml:2:17: error[C103]: invalid value 'fulll' for 'storage.sync'\n"
        "  in storage\n"
        "    2 | storage: {sync: fulll}\n"
        "      |                 ^~~~~\n"
        "  hint: did you mean 'full'?\n");
}


TEST_CASE("alerts.auth is read as ingest.auth is, with the same diagnostics", "[config][curve]") {
  auto result = Parse(std::string(testing::kWayIn) +
                      "alerts: {publish: 'tcp://127.0.0.1:7703',\n"
                      "         auth: {curve_secret_key_file: keys/server.key, clients_dir: keys/operators}}\n");
  REQUIRE(Briefs(result.diagnostics()) == Strings{});
  const Config& c = result.value();
  REQUIRE(c.alerts);
  CHECK(c.alerts->publish == "tcp://127.0.0.1:7703");
  CHECK(c.alerts->pos.line == 2);
  REQUIRE(c.alerts->auth);
  CHECK(c.alerts->auth->curve_secret_key_file == "/etc/vigia/keys/server.key");
  CHECK(c.alerts->auth->clients_dir == "/etc/vigia/keys/operators");
  CHECK_FALSE(c.ingest.auth);

  CHECK(Where(Parse(std::string(testing::kWayIn) +
                    "alerts: {publish: 'tcp://127.0.0.1:7703', auth: {clients_dir: k}}\n")
                  .diagnostics()) == Strings{"2:49 C108"});
  CHECK(Where(Parse(std::string(testing::kWayIn) +
                    "alerts: {publish: 'tcp://127.0.0.1:7703', auth: yes}\n")
                  .diagnostics()) == Strings{"2:49 C102"});
  CHECK(Where(Parse(std::string(testing::kWayIn) +
                    "alerts: {publish: 'tcp://127.0.0.1:7703', auth: {clients_dir: k, "
                    "curve_secret_key_file: s, key: x}}\n")
                  .diagnostics()) == Strings{"2:92 C101"});
}

TEST_CASE("http.tls names a readable certificate and key", "[config][tls]") {
  const fs::path dir = fs::temp_directory_path() / ("vigia-tls-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "cert.pem") << "certificate";
  std::ofstream(dir / "key.pem") << "key";
  const std::string d = dir.string();
  auto http = [&](const std::string& tls) {
    return Parse(std::string(testing::kWayIn) + "http: {bind: '127.0.0.1:7780', tls: " + tls + "}\n");
  };

  auto ok = http("{cert: " + d + "/cert.pem, key: " + d + "/key.pem}");
  REQUIRE(Briefs(ok.diagnostics()) == Strings{});
  REQUIRE(ok.value().http->tls);
  CHECK(ok.value().http->tls->cert == dir / "cert.pem");
  CHECK(ok.value().http->tls->key == dir / "key.pem");
  CHECK_FALSE(Parse(std::string(testing::kWayIn) + "http: {bind: '127.0.0.1:7780'}\n").value().http->tls);

  SECTION("both are required") {
    CHECK(Where(http("{cert: " + d + "/cert.pem}").diagnostics()) == Strings{"2:37 C108"});
  }
  SECTION("a missing file") {
    auto bad = http("{cert: " + d + "/cert.pem, key: " + d + "/nope.pem}");
    REQUIRE(bad.diagnostics().size() == 1);
    CHECK(bad.diagnostics()[0].code == "C103");
    CHECK(bad.diagnostics()[0].message == "no such file '" + d + "/nope.pem' for 'http.tls.key'");
    CHECK_FALSE(bad.ok());
  }
  SECTION("a relative path is resolved against the config's folder") {
    auto bad = http("{cert: cert.pem, key: key.pem}");
    REQUIRE(bad.diagnostics().size() == 2);
    CHECK_THAT(bad.diagnostics()[0].message, Catch::Contains("'/etc/vigia/cert.pem'"));
  }
  SECTION("wrong types and unknown keys") {
    CHECK(Where(http("yes").diagnostics()) == Strings{"2:37 C102"});
    CHECK(Where(http("{cert: " + d + "/cert.pem, key: " + d + "/key.pem, ca: x}").diagnostics())
              .at(0)
              .ends_with("C101"));
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vigia::config
