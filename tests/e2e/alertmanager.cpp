// SPDX-License-Identifier: Apache-2.0
#include "alertmanager.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "daemon_fixture.h"  // FreePort

namespace vigia::e2e {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kConfig = R"(# SPDX-License-Identifier: Apache-2.0
# vigia e2e: every alert goes to a receiver that sends nothing.
route:
  receiver: "null"
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: "null"
)";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Tail(const std::string& text, size_t max = 4000) {
  return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

std::string Field(const boost::json::object& alert, std::string_view map, std::string_view name) {
  const auto* m = alert.if_contains(map);
  if (!m || !m->is_object()) return "<missing>";
  return Str(m->as_object(), name);
}

}  // namespace

std::string Alertmanager::Binary() {
  std::string path = "/usr/bin/prometheus-alertmanager";
  if (const char* env = std::getenv("VIGIA_ALERTMANAGER"); env && *env) path = env;
  return access(path.c_str(), X_OK) == 0 ? path : "";
}

Alertmanager::Alertmanager(Ms timeout) {
  const std::string binary = Binary();
  REQUIRE(!binary.empty());
  char tmpl[] = "/tmp/vigia-e2e-am-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  dir_ = tmpl;
  std::filesystem::create_directories(dir_ / "data");
  {
    std::ofstream out(dir_ / "alertmanager.yml");
    out << kConfig;
  }
  port_ = FreePort();
  std::vector<std::string> argv_text = {
      binary,
      "--config.file=" + (dir_ / "alertmanager.yml").string(),
      "--storage.path=" + (dir_ / "data").string(),
      "--web.listen-address=127.0.0.1:" + std::to_string(port_),
      "--cluster.listen-address=",  // no gossip: a single, isolated instance
      "--log.level=info",
  };
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log_path = (dir_ / "alertmanager.log").string();
  const pid_t parent = getpid();
  pid_ = fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    const int in = open("/dev/null", O_RDONLY);
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || log < 0) _exit(126);
    dup2(in, 0);
    dup2(log, 1);
    dup2(log, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  const auto deadline = Clock::now() + timeout;
  HttpReply last;
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("Alertmanager (" << binary << ") exited at start with status " << status << "; log:\n"
                            << Tail(Log()));
    }
    last = Get(port_, "/-/ready", "", 1s);
    if (last.status == 200) return;
    std::this_thread::sleep_for(50ms);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  FAIL("Alertmanager on 127.0.0.1:" << port_ << " not ready within " << timeout.count()
                                    << " ms (last: " << last.status << " " << last.error
                                    << "); log:\n"
                                    << Tail(Log()));
}

Alertmanager::~Alertmanager() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + 5s;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() >= deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string Alertmanager::Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

boost::json::array Alertmanager::Alerts(std::string_view query) const {
  const std::string target = "/api/v2/alerts" + (query.empty() ? "" : "?" + std::string(query));
  const HttpReply r = Get(port_, target, "", 5s);
  INFO("Alertmanager GET " << target << ": " << r.status << " " << r.error << " "
                           << r.body.substr(0, 2000) << "\nlog:\n"
                           << Tail(Log()));
  REQUIRE(r.status == 200);
  const boost::json::value v = r.JsonBody();
  REQUIRE(v.is_array());
  return v.as_array();
}

std::optional<boost::json::object> Alertmanager::FindByLabel(std::string_view name,
                                                             std::string_view value,
                                                             std::string_view query) const {
  for (const auto& a : Alerts(query))
    if (a.is_object() && Label(a.as_object(), name) == value) return a.as_object();
  return std::nullopt;
}

HttpReply Alertmanager::PostAlerts(const boost::json::array& alerts) const {
  return Post(port_, "/api/v2/alerts", "", boost::json::serialize(alerts), 5s);
}

std::string Alertmanager::Label(const boost::json::object& alert, std::string_view name) {
  return Field(alert, "labels", name);
}

std::string Alertmanager::Annotation(const boost::json::object& alert, std::string_view name) {
  return Field(alert, "annotations", name);
}

std::string Alertmanager::State(const boost::json::object& alert) {
  return Field(alert, "status", "state");
}

std::string Alertmanager::Log() const { return ReadFile(dir_ / "alertmanager.log"); }

}  // namespace vigia::e2e
