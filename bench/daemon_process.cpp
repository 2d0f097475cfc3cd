// SPDX-License-Identifier: Apache-2.0
#include "bench/daemon_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include <zmq_addon.hpp>

#include "bench/bench_util.h"
#include "daemon/http/tokens.h"

namespace vigia::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The config's `rules` list: absolute paths, a folder as its *.yaml files.
std::string RuleGlobs(const std::vector<std::string>& rules) {
  std::string list;
  for (const std::string& r : rules) {
    const fs::path p = fs::is_directory(r) ? fs::absolute(r) / "*.yaml" : fs::absolute(r);
    list += (list.empty() ? "\"" : ", \"") + p.string() + "\"";
  }
  return list;
}

std::string RandomToken() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token = "bench-";
  for (int i = 0; i < 32; ++i) token += kHex[rd() % 16];
  return token;
}

}  // namespace

uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  if (fd >= 0) ::close(fd);
  return port;
}

TimeUs WallNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string VigiadPath(const std::string& path) {
  return path.empty() ? (fs::read_symlink("/proc/self/exe").parent_path() / "vigiad").string()
                      : path;
}

DaemonProcess::DaemonProcess(fs::path dir, const DaemonConfig& c) : dir_(std::move(dir)) {
  std::vector<uint16_t> ports;
  while (ports.size() < (c.http ? 3u : 2u)) {
    const uint16_t p = FreePort();
    if (std::find(ports.begin(), ports.end(), p) == ports.end()) ports.push_back(p);
  }
  ack_ = "tcp://127.0.0.1:" + std::to_string(ports[0]);
  alerts_ = "tcp://127.0.0.1:" + std::to_string(ports[1]);
  std::ofstream config(dir_ / "vigia.yaml");
  config << "node: bench\n"
         << "rules: [" << RuleGlobs(c.rules) << "]\n"
         << "storage: {path: var/vigia.db, sync: " << c.sync << "}\n"
         << "ingest:\n  zmq:\n    - {bind: \"" << ack_ << "\", mode: ack}\n"
         << "alerts: {publish: \"" << alerts_ << "\"}\n"
         << "log: {level: info, format: text}\n";
  if (c.http) {
    http_port_ = ports[2];
    admin_token_ = RandomToken();
    std::ofstream(dir_ / "tokens.yaml")
        << "tokens:\n  - {name: bench, role: admin, sha256: \""
        << daemon::http::ToHex(daemon::http::Sha256Of(admin_token_)) << "\"}\n";
    fs::permissions(dir_ / "tokens.yaml", fs::perms::owner_read | fs::perms::owner_write);
    config << "http: {bind: \"127.0.0.1:" << http_port_ << "\", tokens_file: tokens.yaml}\n";
  }
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string DaemonProcess::Start(const std::string& vigiad) {
  const std::string config = (dir_ / "vigia.yaml").string(), log = (dir_ / "stderr.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv = {const_cast<char*>(vigiad.c_str()), const_cast<char*>("--config"),
                             const_cast<char*>(config.c_str()), nullptr};
  const int rc = posix_spawn(&pid_, vigiad.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    return "cannot start " + vigiad + ": " + std::strerror(rc);
  }
  const auto deadline = Clock::now() + 60s;
  while (Log().find(" daemon.ready") == std::string::npos) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return "vigiad exited at start:\n" + Log();
    }
    if (Clock::now() > deadline) return "vigiad not ready after 60 s:\n" + Log();
    std::this_thread::sleep_for(10ms);
  }
  return {};
}

int DaemonProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + 15s;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) return -1;  // the destructor kills it
    std::this_thread::sleep_for(10ms);
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool DaemonProcess::Signal(int signo) const { return pid_ > 0 && ::kill(pid_, signo) == 0; }

std::string DaemonProcess::Log() const {
  std::ifstream in(dir_ / "stderr.log");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

size_t DaemonProcess::CountLog(std::string_view needle) const {
  std::istringstream in(Log());
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
  return n;
}

std::optional<TimeUs> LogLineTime(std::string_view line) {
  const size_t space = line.find(' ');
  return space == std::string_view::npos ? std::nullopt : ParseRfc3339(line.substr(0, space));
}

AckClient::AckClient(zmq::context_t& context, const std::string& endpoint)
    : socket_(context, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::sndhwm, 0);
  socket_.set(zmq::sockopt::rcvhwm, 0);
  socket_.connect(endpoint);
}

void AckClient::Send(uint64_t index, std::string_view json) {
  socket_.send(zmq::buffer(&index, sizeof index), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(json), zmq::send_flags::none);
}

std::optional<AckClient::Reply> AckClient::TryReceive() {
  std::vector<zmq::message_t> frames;
  if (!zmq::recv_multipart(socket_, std::back_inserter(frames), zmq::recv_flags::dontwait))
    return std::nullopt;
  Reply r{0, false};
  if (frames.size() == 2 && frames[0].size() == sizeof r.index)
    std::memcpy(&r.index, frames[0].data(), sizeof r.index);
  const std::string_view json = frames.back().to_string_view();
  r.accepted = json.starts_with("{\"accepted\"");
  if (!r.accepted && rejections_logged_++ < 3) std::cerr << "  rejected: " << json << "\n";
  return r;
}

}  // namespace vigia::bench
