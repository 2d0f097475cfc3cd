// SPDX-License-Identifier: Apache-2.0
// Handing reloaded rules to the core thread (core.h: RulesMailbox,
// SwapRulesInCore, the core's "swap" query): either the core swaps them in
// and the sender hears so, or the sender withdraws them and they never apply.
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <zmq_addon.hpp>

#include "daemon/core.h"
#include "rules/loader.h"

namespace vigia::daemon {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

std::shared_ptr<const engine::CompiledRules> CompileRule(const std::string& id) {
  auto loaded = rules::LoadRuleTexts(
      {{"test.yaml", "rules:\n  - id: " + id +
                         "\n    level: warning\n    match: {type: report, category: threat}\n"}});
  INFO(RenderText(loaded.diagnostics()));
  REQUIRE(loaded.ok());
  auto set = std::make_shared<const rules::RuleSet>(std::move(loaded).value());
  return std::make_shared<const engine::CompiledRules>(set, engine::EngineDefaults{});
}

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "vigia-core-swap-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A core with the rule "old-rule", opened; its thread runs from Start().
class TestCore {
 public:
  explicit TestCore(std::optional<StorageOptions> storage = std::nullopt) {
    CoreOptions options;
    options.storage = std::move(storage);
    options.catalogs = &catalogs_;
    core_ = std::make_unique<Core>(context_, std::move(options), CompileRule("old-rule"));
    REQUIRE(core_->Open().empty());
  }
  ~TestCore() { Destroy(); }

  void Start() {
    thread_ = std::thread([this] { core_->Run(stop_); });
  }
  // Stops the thread (if started) and destroys the core.
  void Destroy() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    core_.reset();
  }
  zmq::context_t& context() { return context_; }

  // The ids of the rules in force (the "rules" query).
  std::vector<std::string> RuleIds() {
    zmq::socket_t req(context_, zmq::socket_type::req);
    req.set(zmq::sockopt::linger, 0);
    req.set(zmq::sockopt::rcvtimeo, 5000);
    req.connect(kQueryEndpoint);
    req.send(zmq::str_buffer(R"({"op":"rules"})"));
    zmq::message_t reply;
    REQUIRE(req.recv(reply));
    const auto parsed = boost::json::parse(reply.to_string_view());
    std::vector<std::string> ids;
    for (const auto& rule : parsed.at("body").as_array())
      ids.emplace_back(rule.at("id").as_string());
    return ids;
  }

 private:
  zmq::context_t context_;
  connectors::CatalogHandle catalogs_{
      std::shared_ptr<const Catalogs>(&Catalogs::Defaults(), [](const Catalogs*) {})};
  std::atomic<bool> stop_{false};
  std::unique_ptr<Core> core_;
  std::thread thread_;
};

// The audit rows "actor action target" of the database at `path`, oldest first.
std::vector<std::string> AuditRows(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  std::vector<std::string> rows;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT actor, action, target FROM audit ORDER BY id", -1, &st,
                           nullptr) == SQLITE_OK) {
      while (sqlite3_step(st) == SQLITE_ROW) {
        std::string row;
        for (int c = 0; c < 3; ++c)
          row += (c ? " " : "") +
                 std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, c)));
        rows.push_back(row);
      }
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return rows;
}

using Ids = std::vector<std::string>;

TEST_CASE("A rules mailbox is settled once, taken or withdrawn", "[daemon][reload]") {
  RulesMailbox box(CompileRule("new-rule"));
  SECTION("taken first") {
    CHECK(box.Take());
    CHECK_FALSE(box.Withdraw());
    CHECK_FALSE(box.Take());
  }
  SECTION("withdrawn first") {
    CHECK(box.Withdraw());
    CHECK_FALSE(box.Take());
    CHECK_FALSE(box.Withdraw());
  }
  SECTION("a race between the two sides has one winner") {
    auto rules = CompileRule("new-rule");
    for (int round = 0; round < 2000; ++round) {
      RulesMailbox raced(rules);
      std::atomic<bool> go{false};
      bool took = false, withdrew = false;
      std::thread core([&] {
        while (!go.load()) {
        }
        took = raced.Take();
      });
      go = true;
      withdrew = raced.Withdraw();
      core.join();
      REQUIRE(took != withdrew);
    }
  }
}

TEST_CASE("The core swaps in the rules handed to it and audits the reload", "[daemon][reload]") {
  TempDir dir;
  const std::filesystem::path db = dir.path() / "vigia.db";
  TestCore core(StorageOptions{db, storage::SyncMode::kFull});
  core.Start();
  REQUIRE(core.RuleIds() == Ids{"old-rule"});

  auto rules = CompileRule("new-rule");
  std::weak_ptr<const engine::CompiledRules> handed = rules;
  REQUIRE(SwapRulesInCore(core.context(), std::move(rules), "sighup", 5s));
  CHECK(core.RuleIds() == Ids{"new-rule"});
  // The audit row is committed with the core's next regular flush (not by an
  // fsync of its own before the answer): it is there a loop turn later.
  std::vector<std::string> audit;
  for (auto deadline = SteadyClock::now() + 5s; SteadyClock::now() < deadline;) {
    audit = AuditRows(db);
    if (!audit.empty()) break;
    std::this_thread::sleep_for(10ms);
  }
  CHECK(audit == std::vector<std::string>{"sighup reload rules"});
  core.Destroy();
  CHECK(handed.expired());
}

TEST_CASE("Rules the core does not take in time are withdrawn and never applied",
          "[daemon][reload]") {
  TestCore core;  // opened but not running: nobody reads the query yet
  auto rules = CompileRule("new-rule");
  std::weak_ptr<const engine::CompiledRules> handed = rules;
  const auto start = SteadyClock::now();
  CHECK_FALSE(SwapRulesInCore(core.context(), std::move(rules), "http", 200ms));
  CHECK(SteadyClock::now() - start >= 200ms);

  core.Start();  // it now finds the query left behind, if ZeroMQ kept it
  CHECK(core.RuleIds() == Ids{"old-rule"});
  CHECK(core.RuleIds() == Ids{"old-rule"});
  // Read and released, or dropped unread: the rules are freed either way.
  CHECK(handed.expired());
}

TEST_CASE("A withdrawn mailbox that reaches the core changes nothing", "[daemon][reload]") {
  TestCore core;
  core.Start();
  auto box = std::make_shared<RulesMailbox>(CompileRule("new-rule"));
  REQUIRE(box->Withdraw());
  zmq::socket_t req(core.context(), zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  req.set(zmq::sockopt::rcvtimeo, 5000);
  req.connect(kQueryEndpoint);
  req.send(zmq::str_buffer("swap"), zmq::send_flags::sndmore);
  req.send(RulesMailbox::ToFrame(box), zmq::send_flags::sndmore);
  req.send(zmq::str_buffer("http"), zmq::send_flags::none);
  zmq::message_t reply;
  REQUIRE(req.recv(reply));
  CHECK_THAT(reply.to_string(), Catch::Contains("withdrawn"));
  CHECK(core.RuleIds() == Ids{"old-rule"});
  CHECK(box.use_count() == 1);  // the core let go of it
}

// A stand-in for the core on its own endpoint, to time the two sides.
constexpr const char* kFakeCore = "inproc://vigia.test.fake-core";

TEST_CASE("A sender whose wait ends after the core took the rules waits for the answer",
          "[daemon][reload]") {
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.bind(kFakeCore);
  std::atomic<bool> took{false};
  std::thread fake([&] {
    std::vector<zmq::message_t> frames;  // id, delimiter, "swap", mailbox, via
    if (!zmq::recv_multipart(router, std::back_inserter(frames)) || frames.size() != 5) return;
    auto box = RulesMailbox::FromFrame(frames[3]);
    if (!box || !box->Take()) return;
    took = true;
    std::this_thread::sleep_for(1500ms);  // longer than the sender waits
    std::array<zmq::const_buffer, 3> answer = {zmq::buffer(frames[0].data(), frames[0].size()),
                                               zmq::const_buffer(), zmq::str_buffer("{}")};
    zmq::send_multipart(router, answer);
  });
  const auto start = SteadyClock::now();
  const bool swapped = SwapRulesInCore(context, CompileRule("new-rule"), "http", 1s, kFakeCore);
  const auto waited = SteadyClock::now() - start;
  fake.join();
  REQUIRE(took);
  CHECK(swapped);
  CHECK(waited >= 1500ms);
}

TEST_CASE("Rules sent to a core that never reads them are freed", "[daemon][reload]") {
  zmq::context_t context;
  auto rules = CompileRule("new-rule");
  std::weak_ptr<const engine::CompiledRules> handed = rules;
  {
    zmq::socket_t router(context, zmq::socket_type::router);
    router.set(zmq::sockopt::linger, 0);
    router.bind(kFakeCore);
    CHECK_FALSE(SwapRulesInCore(context, std::move(rules), "http", 100ms, kFakeCore));
  }  // closed with the query unread
  for (auto deadline = SteadyClock::now() + 5s; !handed.expired() && SteadyClock::now() < deadline;)
    std::this_thread::sleep_for(10ms);  // ZeroMQ's reaper thread releases it
  CHECK(handed.expired());
}

}  // namespace
}  // namespace vigia::daemon
