// SPDX-License-Identifier: Apache-2.0
// `vigia`: the command-line tool for coordinators, operators and integrators.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string_view>
#include <tuple>

#include "daemon/cli/audit_command.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/common.h"
#include "daemon/cli/http_commands.h"

namespace {

// --url, --config and --token-file, for the commands that go through the HTTP API.
void AddApiOptions(CLI::App* cmd, vigia::cli::ApiOptions& api) {
  cmd->add_option("--url", api.url,
                  "vigiad's HTTP API (default: http.bind of --config, else http://127.0.0.1:7780)");
  cmd->add_option("-c,--config", api.config_file, "vigia.yaml, for http.bind");
  cmd->add_option("--token-file", api.token_file,
                  "a file holding the API token (default: $VIGIA_TOKEN)");
}

// --client-key and --server-key: CurveZMQ on push and watch.
void AddCurveOptions(CLI::App* cmd, vigia::cli::CurveClientOptions& curve) {
  cmd->add_option("--client-key", curve.client_key,
                  "CurveZMQ: this client's key pair (NAME.key from vigia keygen)");
  cmd->add_option("--server-key", curve.server_key,
                  "CurveZMQ: a file with the daemon's public key ('public: ...')");
}

// Whether the command line has option `name` (as "--name" or "--name=...").
bool Mentions(int argc, char** argv, std::string_view name) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == name || (arg.size() > name.size() && arg.substr(0, name.size()) == name &&
                        arg[name.size()] == '='))
      return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vigia::cli;
  CLI::App app{"vigia: early-warning rules engine for the protection of defenders and journalists"};
  app.require_subcommand(1);

  CheckOptions check;
  auto* check_cmd = app.add_subcommand("check", "load and check rule files");
  check_cmd->add_option("rules", check.rule_args, "rule files, directories or globs")->required();
  check_cmd->add_option("--catalogs", check.catalogs_dir, "catalog folder (default: built in)");
  check_cmd->add_option("--format", check.format, "text or json");

  TestOptions test;
  auto* test_cmd = app.add_subcommand("test", "run rule unit tests");
  test_cmd->add_option("files", test.files, "test files")->required();
  test_cmd->add_option("--catalogs", test.catalogs_dir, "catalog folder (default: built in)");
  test_cmd->add_flag("-v,--verbose", test.verbose, "list passing tests too");

  ReplayOptions replay;
  std::string until;
  auto* replay_cmd = app.add_subcommand(
      "replay", "evaluate rules over a JSON Lines event file or a database's journal");
  replay_cmd->footer(
      "Without --from-db an event's arrival is the newest event time so far; with it, the\n"
      "journal's seq and arrival, as the daemon evaluated them.\n"
      "\n"
      "--report prints, instead of the alerts, per rule, region, group and level: the alerts,\n"
      "how many resolved themselves, how many a severe event followed, and the median, min\n"
      "and max lead time; then per region and group the severe events and how many were\n"
      "warned. Definitions:\n"
      "  severe event   an event whose category the taxonomy flags severe (by default\n"
      "                 killing, attempted_killing, disappearance)\n"
      "  region, group  an alert's region with each of its groups (one row per group); an\n"
      "                 alert without a region or groups shows '-' there and matches nothing\n"
      "  lead time      time of the next severe event of the same region and group that\n"
      "                 happened after the alert fired, minus the alert's time; only when\n"
      "                 at most 30d (else no severe event followed)\n"
      "  warned         a severe event with an alert of its region and group (any rule) that\n"
      "                 fired before it, at most 30d before; also counted without shadow rules");
  replay_cmd->add_option("--rules", replay.rule_args, "rule file, directory or glob (repeatable)")
      ->required();
  replay_cmd->add_option("--until", until, "advance the clock to this time at the end");
  replay_cmd->add_option("--catalogs", replay.catalogs_dir, "catalog folder (default: built in)");
  replay_cmd->add_flag("-q,--quiet", replay.quiet, "no summary on stderr");
  auto* from_db = replay_cmd->add_option(
      "--from-db", replay.from_db, "replay the journal of this vigia database (in seq order)");
  auto* report_flag = replay_cmd->add_flag(
      "--report", replay.report, "print the lead-time report instead of the alerts (see below)");
  replay_cmd->add_option("--format", replay.format, "of the report: text or json")
      ->needs(report_flag)
      ->check(CLI::IsMember({"text", "json"}));
  // Required unless --from-db is given: CLI11 keeps a required positional from
  // being taken as one more value of a preceding `--rules R1 R2`.
  replay_cmd->add_option("events", replay.events_file, "events (JSON Lines; - for stdin)")
      ->excludes(from_db)
      ->required(!Mentions(argc, argv, "--from-db"));

  ExportOptions export_opts;
  std::string since, export_until;
  auto* export_cmd = app.add_subcommand(
      "export", "write a database's journal as JSON Lines, the input of vigia replay");
  export_cmd->footer(
      "Each line is one journaled event's JSON, in the order the daemon evaluated them (seq).\n"
      "--since and --until select on event time (the events' `time`): since <= time < until.");
  export_cmd->add_option("--db", export_opts.db, "the vigia database (storage path of vigia.yaml)")
      ->required();
  export_cmd->add_option("--since", since, "events at or after this RFC 3339 event time");
  export_cmd->add_option("--until", export_until, "events before this RFC 3339 event time");
  export_cmd->add_option("-o,--output", export_opts.out, "the file to write (- for stdout)")
      ->capture_default_str();

  PushOptions push;
  auto* push_cmd = app.add_subcommand("push", "send events over the ack socket; print each reply");
  push_cmd->add_option("--endpoint", push.endpoint, "ack endpoint")->capture_default_str();
  push_cmd->add_option("file", push.file, "events (JSON Lines; - for stdin)")
      ->capture_default_str();
  AddCurveOptions(push_cmd, push.curve);

  WatchOptions watch;
  auto* watch_cmd = app.add_subcommand("watch", "follow the alert stream");
  watch_cmd->add_option("--endpoint", watch.endpoint, "alert stream (PUB) endpoint")
      ->capture_default_str();
  watch_cmd->add_option("--level", watch.level, "minimum level: info, watch, warning, critical");
  watch_cmd->add_option("--region", watch.region, "only this region, e.g. MX-CHH");
  watch_cmd->add_flag("--json", watch.json, "print each alert's JSON");
  AddCurveOptions(watch_cmd, watch.curve);

  KeygenOptions keygen;
  auto* keygen_cmd = app.add_subcommand(
      "keygen", "make a CurveZMQ key pair: NAME.key (secret) and NAME.pub.yaml (for clients_dir)");
  keygen_cmd->add_option("name", keygen.name, "the client's name (the file names)")->required();
  keygen_cmd->add_option("--dir", keygen.dir, "where to write (made with mode 0700)")
      ->capture_default_str();
  keygen_cmd
      ->add_option("--source", keygen.sources, "the source this key may send as (repeatable)")
      ->allow_extra_args(false)
      ->delimiter(',');
  keygen_cmd
      ->add_option("--region", keygen.regions, "only events of this region (repeatable; default any)")
      ->allow_extra_args(false)
      ->delimiter(',');

  AlertsOptions alerts;
  auto* alerts_cmd =
      app.add_subcommand("alerts", "list alerts, newest first (or show one: alerts ID)");
  AddApiOptions(alerts_cmd, alerts.api);
  alerts_cmd->add_option("id", alerts.id, "show this alert with its history");
  alerts_cmd->add_option("--status", alerts.status, "firing, acknowledged or resolved");
  alerts_cmd->add_option("--region", alerts.region, "only this region, e.g. MX-CHH");
  alerts_cmd->add_option("--group", alerts.group, "only alerts about this group at risk");
  alerts_cmd->add_option("--level", alerts.level,
                         "only this level: info, watch, warning, critical");
  alerts_cmd->add_option("--since", alerts.since, "fired at or after this RFC 3339 time");
  alerts_cmd->add_flag("--json", alerts.json, "print the API's JSON");

  AlertsOptions alert;
  auto* alert_cmd = app.add_subcommand("alert", "show one alert with its history");
  AddApiOptions(alert_cmd, alert.api);
  alert_cmd->add_option("id", alert.id, "alert id (a-...)")->required();
  alert_cmd->add_flag("--json", alert.json, "print the API's JSON");

  ChangeAlertOptions ack, resolve;
  auto* ack_cmd = app.add_subcommand("ack", "acknowledge an alert");
  auto* resolve_cmd = app.add_subcommand("resolve", "resolve an alert");
  for (auto [cmd, o] : {std::pair{ack_cmd, &ack}, {resolve_cmd, &resolve}}) {
    AddApiOptions(cmd, o->api);
    cmd->add_option("id", o->id, "alert id (a-...)")->required();
    cmd->add_option("--by", o->by, "who (default: $USER)");
    cmd->add_option("--note", o->note, "a note for the alert's history");
  }

  DeadLettersOptions letters;
  auto* letters_cmd = app.add_subcommand("deadletters", "the rejected messages, newest first");
  AddApiOptions(letters_cmd, letters.api);
  letters_cmd->add_option("--limit", letters.limit, "at most this many (0: all)")
      ->capture_default_str();
  letters_cmd->add_flag("--json", letters.json, "print the API's JSON");

  RulesOptions rules;
  auto* rules_cmd = app.add_subcommand("rules", "the loaded rules with their counters");
  AddApiOptions(rules_cmd, rules.api);
  rules_cmd->add_flag("--json", rules.json, "print the API's JSON");

  ApiOptions reload;
  auto* reload_cmd =
      app.add_subcommand("reload", "reload vigiad's rules; print problems if refused");
  AddApiOptions(reload_cmd, reload);

  auto* silence_cmd = app.add_subcommand(
      "silence", "silences: matching alerts are stored and shown, but send no notifications");
  silence_cmd->require_subcommand(1);
  SilenceAddOptions silence_add;
  auto* silence_add_cmd = silence_cmd->add_subcommand(
      "add", "silence the alerts that match every matcher given; prints the new silence's id");
  silence_add_cmd->footer(
      "Each matcher may be repeated (any of its values matches); different matchers must all\n"
      "match. Example: vigia silence add --region MX-CHH --level watch --for 2h --reason drill");
  AddApiOptions(silence_add_cmd, silence_add.api);
  for (auto [name, values, what] :
       {std::tuple{"--level", &silence_add.level, "info, watch, warning or critical"},
        {"--region", &silence_add.region, "a region, e.g. MX-CHH"},
        {"--group", &silence_add.group, "a group at risk"},
        {"--rule", &silence_add.rule, "a rule id"},
        {"--subject", &silence_add.subject, "a subject"}})
    silence_add_cmd->add_option(name, *values, std::string(what) + " (repeatable)")
        ->allow_extra_args(false)
        ->delimiter(',');
  auto* for_opt = silence_add_cmd->add_option("--for", silence_add.for_duration,
                                              "how long: 90s, 15m, 2h, 1d, 1w");
  silence_add_cmd->add_option("--until", silence_add.until, "the RFC 3339 end")->excludes(for_opt);
  silence_add_cmd->add_option("--from", silence_add.from, "the RFC 3339 start (default: now)");
  silence_add_cmd->add_option("--by", silence_add.by, "who (default: $USER)");
  silence_add_cmd->add_option("--reason", silence_add.reason, "why, for the audit log");
  silence_add_cmd->add_flag("--json", silence_add.json, "print the new silence's JSON");
  SilenceListOptions silence_list;
  auto* silence_list_cmd =
      silence_cmd->add_subcommand("list", "the active and future silences, one line each");
  AddApiOptions(silence_list_cmd, silence_list.api);
  silence_list_cmd->add_flag("--json", silence_list.json, "print the API's JSON");
  SilenceRmOptions silence_rm;
  auto* silence_rm_cmd = silence_cmd->add_subcommand("rm", "end a silence now");
  AddApiOptions(silence_rm_cmd, silence_rm.api);
  silence_rm_cmd->add_option("id", silence_rm.id, "silence id (s-...)")->required();
  silence_rm_cmd->add_option("--by", silence_rm.by, "who (default: the token's name)");

  auto* audit_cmd = app.add_subcommand("audit", "the hash-chained audit log of a vigia database");
  audit_cmd->require_subcommand(1);
  AuditOptions audit_verify, audit_list;
  auto* audit_verify_cmd = audit_cmd->add_subcommand(
      "verify", "check that no audit entry was edited or deleted; exit 1 if one was");
  audit_verify_cmd->footer(
      "Opens the database itself (vigiad may be running). The file must be writable: opening\n"
      "migrates an older schema.");
  auto* audit_list_cmd = audit_cmd->add_subcommand("list", "the audit entries, oldest first");
  for (auto [cmd, o] :
       {std::pair{audit_verify_cmd, &audit_verify}, {audit_list_cmd, &audit_list}}) {
    auto* db = cmd->add_option("--db", o->db, "the vigia database (default: storage.path)");
    cmd->add_option("-c,--config", o->config_file,
                    "vigia.yaml, for storage.path (default: /etc/vigia/vigia.yaml when installed, "
                    "else the built-in config read relative to the current folder)")
        ->excludes(db);
  }
  audit_list_cmd->add_flag("--json", audit_list.json, "one JSON object per entry, with its detail");

  TokenOptions token;
  auto* token_cmd = app.add_subcommand(
      "token",
      "make an HTTP API token: its hash goes into the tokens file, the token is printed once");
  token_cmd->add_option("name", token.name, "names the token in audit records")->required();
  token_cmd->add_option("role", token.role, "viewer, operator, integrator or admin")->required();
  token_cmd->add_option("--tokens-file", token.tokens_file,
                        "the tokens file (default: http.tokens_file of --config)");
  token_cmd->add_option("-c,--config", token.config_file, "vigia.yaml, for http.tokens_file");
  // One value per --source (or a comma list), so that NAME and ROLE are never taken for sources.
  token_cmd
      ->add_option("--source", token.sources,
                   "integrator: may post events of this source (repeatable)")
      ->allow_extra_args(false)
      ->delimiter(',');
  token_cmd
      ->add_option("--region", token.regions, "integrator: only events of this region (repeatable)")
      ->allow_extra_args(false)
      ->delimiter(',');

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  if (!until.empty()) replay.until = until;
  if (!since.empty()) export_opts.since = since;
  if (!export_until.empty()) export_opts.until = export_until;
  if (*check_cmd) return RunCheck(check);
  if (*test_cmd) return RunTest(test);
  if (*replay_cmd) return RunReplay(replay);
  if (*export_cmd) return RunExport(export_opts);
  if (*push_cmd) return RunPush(push);
  if (*watch_cmd) return RunWatch(watch);
  if (*keygen_cmd) return RunKeygen(keygen, std::cout, std::cerr);
  if (*alerts_cmd) return RunAlerts(alerts, std::cout, std::cerr);
  if (*alert_cmd) return RunAlerts(alert, std::cout, std::cerr);
  if (*ack_cmd) return RunAck(ack, std::cout, std::cerr);
  if (*resolve_cmd) return RunResolve(resolve, std::cout, std::cerr);
  if (*letters_cmd) return RunDeadLetters(letters, std::cout, std::cerr);
  if (*rules_cmd) return RunRules(rules, std::cout, std::cerr);
  if (*reload_cmd) return RunReload(reload, std::cout, std::cerr);
  if (*silence_add_cmd) return RunSilenceAdd(silence_add, std::cout, std::cerr);
  if (*silence_list_cmd) return RunSilenceList(silence_list, std::cout, std::cerr);
  if (*silence_rm_cmd) return RunSilenceRm(silence_rm, std::cout, std::cerr);
  if (*audit_verify_cmd) return RunAuditVerify(audit_verify, std::cout, std::cerr);
  if (*audit_list_cmd) return RunAuditList(audit_list, std::cout, std::cerr);
  if (*token_cmd) return RunToken(token, std::cout, std::cerr);
  return kExitUsage;
}
