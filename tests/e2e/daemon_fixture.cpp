// SPDX-License-Identifier: Apache-2.0
#include "daemon_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <openssl/evp.h>

#ifndef VIGIA_VIGIAD
#error "VIGIA_VIGIAD must name the vigiad binary (tests/e2e/CMakeLists.txt)"
#endif

namespace vigia::e2e {
namespace {

using Clock = std::chrono::steady_clock;
constexpr Ms kPollStep = 10ms;

constexpr const char* kProbeRules = R"(# SPDX-License-Identifier: Apache-2.0
# The e2e fixture's probe: proves a subscription to the alert stream is live.
rules:
  - id: e2e-probe
    level: info
    match: {type: e2e_probe}
)";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> InheritedEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  return env;
}

// Starts `argv` (argv[0] a path) with `env`, stdin /dev/null, stdout and
// stderr to the files; the child dies with the test process.
pid_t Spawn(std::vector<std::string> argv_text, std::vector<std::string> env_text,
            const std::string& out_path, const std::string& err_path) {
  std::vector<char*> argv, envp;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test run leaves no child behind
    if (getppid() != parent) _exit(126);
    const int in = open("/dev/null", O_RDONLY);
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

void WriteFile(const std::filesystem::path& path, std::string_view text) {
  // Written aside and renamed, so that a reload never reads half a file.
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
  }
  std::filesystem::rename(tmp, path);
}

// The last lines of the daemon's stderr, for failure messages.
std::string Tail(const std::string& text, size_t max = 4000) {
  return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

}  // namespace

uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  REQUIRE(ok);
  return ntohs(addr.sin_port);
}

std::string TimeFromNow(std::chrono::seconds offset) {
  const std::time_t t =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + offset);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

boost::json::object ReportEvent(std::string_view id, std::string_view category,
                                std::chrono::seconds offset) {
  return {{"id", id},
          {"type", "report"},
          {"time", TimeFromNow(offset)},
          {"source", "e2e"},
          {"region", "MX-CHH"},
          {"groups", boost::json::array{"journalist"}},
          {"category", category}};
}

std::vector<ApiToken> DefaultTokens() {
  return {{"e2e-viewer", "viewer", kViewerToken, ""},
          {"e2e-operator", "operator", kOperatorToken, ""},
          {"e2e-integrator", "integrator", kIntegratorToken, "sources: [e2e], regions: [MX-CHH]"},
          {"e2e-admin", "admin", kAdminToken, ""}};
}

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  REQUIRE(EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) == 1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

std::string TokensYaml(const std::vector<ApiToken>& tokens) {
  std::string yaml = "# SPDX-License-Identifier: Apache-2.0\ntokens:\n";
  for (const auto& t : tokens) {
    yaml += "  - {name: " + t.name + ", role: " + t.role + ", sha256: \"" + Sha256Hex(t.secret) +
            "\"" + (t.limits.empty() ? "" : ", " + t.limits) + "}\n";
  }
  return yaml;
}

std::string Json(const boost::json::value& v) { return boost::json::serialize(v); }

std::string Str(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return "<missing>";
  return v->is_string() ? std::string(v->as_string()) : boost::json::serialize(*v);
}

std::vector<std::string> Strings(const boost::json::object& o, std::string_view key) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(key);
  if (!v || !v->is_array()) return out;
  for (const auto& x : v->as_array())
    out.push_back(x.is_string() ? std::string(x.as_string()) : boost::json::serialize(x));
  return out;
}

std::string ReplyKind(std::string_view reply) {
  const boost::json::object o = ParseObject(reply);
  if (o.contains("accepted")) {
    const auto* dup = o.if_contains("duplicate");
    return dup && dup->is_bool() && dup->as_bool() ? "duplicate" : "accepted";
  }
  if (const auto* err = o.if_contains("error"); err && err->is_object())
    if (const auto* code = err->as_object().if_contains("code"); code && code->is_string())
      return std::string(code->as_string());
  return "unparseable";
}

void RequireAccepted(AckClient& client, const boost::json::object& event) {
  auto reply = client.Request(Json(event));
  REQUIRE(reply);
  INFO("reply: " << *reply);
  REQUIRE(ReplyKind(*reply) == "accepted");
}

Daemon::Daemon(std::initializer_list<RuleFile> rules) {
  char tmpl[] = "/tmp/vigia-e2e-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  dir_ = tmpl;
  std::filesystem::create_directories(dir_ / "rules");
  std::filesystem::create_directories(dir_ / "var");
  std::vector<uint16_t> taken;
  auto pick = [&taken] {
    uint16_t port = 0;
    do port = FreePort();
    while (std::find(taken.begin(), taken.end(), port) != taken.end());
    taken.push_back(port);
    return port;
  };
  ack_port_ = pick();
  push_port_ = pick();
  alerts_port_ = pick();
  http_port_ = pick();
  WriteConfig(DefaultConfig());
  WriteTokens(DefaultTokens());
  WriteRuleFile({"zz-e2e-probe.yaml", kProbeRules});
  for (const auto& r : rules) WriteRuleFile(r);
}

Daemon::~Daemon() {
  if (pid_ > 0 && !exit_code_) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string Daemon::DefaultConfig() const {
  std::ostringstream c;
  c << "# SPDX-License-Identifier: Apache-2.0\n"
    << "node: e2e\n"
    << "rules: [rules/*.yaml]\n"
    << "storage: {path: var/vigia.db, sync: normal}\n"
    << "ingest:\n"
    << "  zmq:\n"
    << "    - {bind: \"" << AckEndpoint() << "\", mode: ack}\n"
    << "    - {bind: \"" << PushEndpoint() << "\", mode: push}\n"
    << "    - {bind: \"" << IpcEndpoint() << "\", mode: ack}\n"
    << "alerts: {publish: \"" << AlertsEndpoint() << "\"}\n"
    << "http: {bind: \"127.0.0.1:" << http_port_ << "\", tokens_file: tokens.yaml}\n"
    << "log: {level: info, format: text}\n";
  return c.str();
}

void Daemon::WriteConfig(std::string_view yaml) { WriteFile(config_path(), yaml); }

void Daemon::WriteRuleFile(const RuleFile& file) {
  WriteFile(dir_ / "rules" / file.name, file.yaml);
}

void Daemon::WriteTokens(const std::vector<ApiToken>& tokens) {
  WriteFile(tokens_path(), TokensYaml(tokens));
}

void Daemon::WriteDirFile(const std::filesystem::path& relative, std::string_view text) {
  WriteFile(dir_ / relative, text);
}

void Daemon::RemoveRuleFile(std::string_view name) {
  std::filesystem::remove(dir_ / "rules" / name);
}

void Daemon::SetEnv(std::string name, std::string value) {
  for (auto& [n, v] : env_)
    if (n == name) {
      v = std::move(value);
      return;
    }
  env_.emplace_back(std::move(name), std::move(value));
}

std::vector<std::string> Daemon::Environment() const {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    if (std::none_of(env_.begin(), env_.end(), [&](const auto& kv) { return kv.first == name; }))
      out.emplace_back(entry);
  }
  for (const auto& [n, v] : env_) out.push_back(n + "=" + v);
  return out;
}

void Daemon::Start(const std::vector<std::string>& args) {
  REQUIRE(pid_ < 0);
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls until execve.
  std::vector<std::string> argv_text = {VIGIA_VIGIAD, "--config", config_path().string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  pid_ = Spawn(argv_text, Environment(), (dir_ / "stdout.log").string(), (dir_ / "stderr.log").string());
}

bool Daemon::StartAndWaitReady(Ms timeout) {
  Start();
  return WaitForLog("daemon.ready", timeout);
}

int Daemon::CountLog(std::string_view event_id) const {
  // Text lines are "<time> <level> <event-id> key=value...": match the third
  // word. JSON lines are {"time":...,"level":...,"msg":"<event-id> ..."}.
  std::istringstream lines(Stderr());
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string time, level, id;
    if (line.starts_with("{")) {
      words.str(Str(ParseObject(line), "msg"));
      words >> id;
    } else {
      words >> time >> level >> id;
    }
    if (id == event_id) ++count;
  }
  return count;
}

bool Daemon::WaitForLog(std::string_view event_id, Ms timeout, int count) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (CountLog(event_id) >= count) return true;
    const bool running = IsRunning();
    if (!running && CountLog(event_id) >= count) return true;
    if (!running || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPollStep);
  }
  UNSCOPED_INFO("waited " << timeout.count() << " ms for log event '" << event_id << "' x" << count
                          << (IsRunning() ? "" : " (vigiad exited)") << "; vigiad stderr:\n"
                          << Tail(Stderr()));
  return false;
}

std::string Daemon::Stderr() const { return ReadFile(dir_ / "stderr.log"); }

std::string Daemon::Stdout() const { return ReadFile(dir_ / "stdout.log"); }

void Daemon::Signal(int signo) {
  REQUIRE(pid_ > 0);
  REQUIRE(IsRunning());
  REQUIRE(kill(pid_, signo) == 0);
}

void Daemon::Kill() {
  if (pid_ > 0 && !exit_code_) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  exit_code_.reset();
  // The next start must not find this run's daemon.ready in the log.
  std::error_code ec;
  std::filesystem::rename(dir_ / "stderr.log", dir_ / "stderr.killed.log", ec);
}

bool Daemon::IsRunning() {
  if (pid_ <= 0 || exit_code_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid_)
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  else
    exit_code_ = -1;
  return false;
}

std::optional<int> Daemon::WaitExit(Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  while (IsRunning()) {
    if (Clock::now() >= deadline) {
      UNSCOPED_INFO("vigiad still running after " << timeout.count() << " ms; stderr:\n"
                                                  << Tail(Stderr()));
      return std::nullopt;
    }
    std::this_thread::sleep_for(kPollStep);
  }
  if (exit_code_ != 0)
    UNSCOPED_INFO("vigiad exited with " << *exit_code_ << "; stderr:\n" << Tail(Stderr()));
  return exit_code_;
}

std::string Daemon::AckEndpoint() const { return "tcp://127.0.0.1:" + std::to_string(ack_port_); }
std::string Daemon::PushEndpoint() const { return "tcp://127.0.0.1:" + std::to_string(push_port_); }
std::string Daemon::IpcEndpoint() const { return "ipc://" + (dir_ / "ingest").string(); }
std::string Daemon::AlertsEndpoint() const {
  return "tcp://127.0.0.1:" + std::to_string(alerts_port_);
}

SubClient Daemon::Subscribe(const std::vector<std::string>& prefixes) {
  std::vector<std::string> with_probe = prefixes;
  with_probe.push_back(kProbeTopic);
  SubClient sub(context_, AlertsEndpoint(), with_probe);
  AckClient ack(context_, AckEndpoint());
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    const std::string id = "probe-" + std::to_string(++probe_seq_);
    boost::json::object probe = {{"id", id},
                                 {"type", "e2e_probe"},
                                 {"time", TimeFromNow()},
                                 {"source", "e2e"},
                                 {"region", "MX-ZAC"}};
    auto reply = ack.Request(Json(probe), 5s);
    REQUIRE(reply);
    REQUIRE(ReplyKind(*reply) == "accepted");
    // The probe alert lists the probe event; an older probe's alert doesn't count.
    const auto until = Clock::now() + 200ms;
    while (Clock::now() < until) {
      auto p = sub.ReceiveAny(std::chrono::duration_cast<Ms>(until - Clock::now()));
      if (!p) break;
      if (p->topic == kProbeTopic && p->json.find("\"" + id + "\"") != std::string::npos)
        return sub;
    }
  }
  FAIL("no probe alert reached a subscriber of " << AlertsEndpoint() << " within 10 s; stderr:\n"
                                                 << Tail(Stderr()));
  throw std::logic_error("unreachable");
}

CommandResult RunCommand(const std::vector<std::string>& argv_text,
                         const std::vector<std::string>& env_text, Ms timeout) {
  char tmpl[] = "/tmp/vigia-e2e-cmd-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const std::filesystem::path dir = tmpl;
  const std::string out_path = (dir / "out").string(), err_path = (dir / "err").string();
  const pid_t pid = Spawn(argv_text, env_text.empty() ? InheritedEnvironment() : env_text, out_path, err_path);
  CommandResult result;
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      result.exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (Clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return result;
}

}  // namespace vigia::e2e
