// SPDX-License-Identifier: Apache-2.0
#include "bench/ingest_bench.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bench/bench_util.h"
#include "bench/scaled_events.h"
#include "daemon/cli/common.h"

namespace vigia::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
constexpr auto kNoProgressTimeout = 10s;             // no reply for this long fails the phase
constexpr const char* kProbeRule = "lethal-attack";  // rules/examples/lethal.yaml

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

// The config's `rules` list: absolute paths, a folder as its *.yaml files.
std::string RuleGlobs(const std::vector<std::string>& rules) {
  std::string list;
  for (const std::string& r : rules) {
    const fs::path p = fs::is_directory(r) ? fs::absolute(r) / "*.yaml" : fs::absolute(r);
    list += (list.empty() ? "\"" : ", \"") + p.string() + "\"";
  }
  return list;
}

// vigiad in a temp dir, as config/vigia.yaml sets it up but on free loopback
// ports, without the HTTP API.
class Daemon {
 public:
  Daemon(fs::path dir, const IngestOptions& o, const std::string& sync) : dir_(std::move(dir)) {
    const uint16_t ack_port = FreePort();
    uint16_t alerts_port = FreePort();
    while (alerts_port == ack_port) alerts_port = FreePort();
    ack_ = "tcp://127.0.0.1:" + std::to_string(ack_port);
    alerts_ = "tcp://127.0.0.1:" + std::to_string(alerts_port);
    std::ofstream(dir_ / "vigia.yaml")
        << "node: bench\n"
        << "rules: [" << RuleGlobs(o.rules) << "]\n"
        << "storage: {path: var/vigia.db, sync: " << sync << "}\n"
        << "ingest:\n  zmq:\n    - {bind: \"" << ack_ << "\", mode: ack}\n"
        << "alerts: {publish: \"" << alerts_ << "\"}\n"
        << "log: {level: info, format: text}\n";
  }
  ~Daemon() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // Spawns vigiad and waits for daemon.ready. Empty string on success.
  std::string Start(const std::string& vigiad) {
    const std::string config = (dir_ / "vigia.yaml").string(), log = (dir_ / "stderr.log").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> argv = {const_cast<char*>(vigiad.c_str()), const_cast<char*>("--config"),
                               const_cast<char*>(config.c_str()), nullptr};
    const int rc = posix_spawn(&pid_, vigiad.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return "cannot start " + vigiad + ": " + std::strerror(rc);
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

  // SIGTERM and wait; the exit code, or -1 when it had to be killed.
  int Stop() {
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

  std::string Log() const {
    std::ifstream in(dir_ / "stderr.log");
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }
  pid_t pid() const { return pid_; }
  const std::string& ack() const { return ack_; }
  const std::string& alerts() const { return alerts_; }

 private:
  fs::path dir_;
  std::string ack_, alerts_;
  pid_t pid_ = -1;
};

// Sends and receives on the ack socket. Each request is [index (8 bytes)]
// [event]; the daemon returns the envelope, so the reply is [index] [reply].
class AckClient {
 public:
  AckClient(zmq::context_t& context, const std::string& endpoint)
      : socket_(context, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::sndhwm, 0);
    socket_.set(zmq::sockopt::rcvhwm, 0);
    socket_.connect(endpoint);
  }
  void Send(uint64_t index, const std::string& json) {
    socket_.send(zmq::buffer(&index, sizeof index), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(json), zmq::send_flags::none);
  }
  struct Reply {
    uint64_t index;
    bool accepted;
  };
  std::optional<Reply> TryReceive() {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(socket_, std::back_inserter(frames), zmq::recv_flags::dontwait))
      return std::nullopt;
    Reply r{0, false};
    if (frames.size() == 2 && frames[0].size() == sizeof r.index)
      std::memcpy(&r.index, frames[0].data(), sizeof r.index);
    const std::string_view json = frames.back().to_string_view();
    r.accepted = json.find("\"accepted\"") != std::string_view::npos;
    if (!r.accepted && rejections_logged_++ < 3) std::cerr << "  rejected: " << json << "\n";
    return r;
  }
  zmq::socket_t& socket() { return socket_; }

 private:
  zmq::socket_t socket_;
  int rejections_logged_ = 0;
};

// Event `i` of the stream, timed now: a scaled example event, or every
// `probe_every`-th a killing that the stateless rule alerts on at once.
std::string EventJson(const ScaledEvents& events, uint64_t i, uint64_t probe_every) {
  const TimeUs now = WallNow() / 1000 * 1000;  // milliseconds, as integrators send
  if (probe_every && i % probe_every == 0)
    return "{\"id\":\"probe-" + std::to_string(i) + "\",\"type\":\"report\",\"time\":\"" +
           FormatRfc3339(now) +
           "\",\"source\":\"bench\",\"region\":\"MX-CHH\",\"groups\":[\"journalist\"],"
           "\"category\":\"killing\"}";
  Event e = events.At(i);
  e.time = now;
  return CanonicalJson(e);
}

// The probe index of an alert of kProbeRule on one probe event, else nullopt.
std::optional<uint64_t> ProbeOfAlert(std::string_view json) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto* rule = o.if_contains("rule");
  const auto* ev = o.if_contains("events");
  if (!rule || !rule->is_string() || rule->as_string() != kProbeRule || !ev || !ev->is_array() ||
      ev->as_array().size() != 1 || !ev->as_array()[0].is_string())
    return std::nullopt;
  const std::string_view id = ev->as_array()[0].as_string();
  uint64_t index = 0;
  if (!id.starts_with("probe-") ||
      std::from_chars(id.data() + 6, id.data() + id.size(), index).ptr != id.data() + id.size())
    return std::nullopt;
  return index;
}

// Phase 1: `n` events, `window` in flight; accepted events/s.
bool Throughput(AckClient& ack, const ScaledEvents& events, const IngestOptions& o,
                const std::string& label) {
  std::vector<std::string> jsons;
  jsons.reserve(o.events);
  for (uint64_t i = 0; i < o.events; ++i) jsons.push_back(EventJson(events, i, 0));
  const std::string load = LoadAverage();
  uint64_t sent = 0, replies = 0, accepted = 0;
  zmq::pollitem_t item{ack.socket().handle(), 0, ZMQ_POLLIN, 0};
  const auto start = Clock::now();
  auto progress = start;
  while (replies < o.events) {
    while (sent < o.events && sent - replies < o.window) ack.Send(sent, jsons[sent]), ++sent;
    zmq::poll(&item, 1, 100ms);
    while (auto r = ack.TryReceive()) ++replies, accepted += r->accepted, progress = Clock::now();
    if (Clock::now() - progress > kNoProgressTimeout) {
      std::cerr << "vigia-bench ingest: no reply for 10 s; " << replies << " of " << sent << "\n";
      return false;
    }
  }
  const double secs = Seconds(start);
  std::printf(
      "ingest    %s throughput: %llu events, window %zu, in %.2f s = %.0f accepted "
      "events/s (%llu rejected), load %s\n",
      label.c_str(), static_cast<unsigned long long>(o.events), o.window, secs, accepted / secs,
      static_cast<unsigned long long>(o.events - accepted), load.c_str());
  return true;
}

// Phase 2: `rate` events/s for `duration`, paced from one thread (sends in
// bursts of at most 1 ms); ack latency of every event, ingest → alert latency
// (send → the alert received on the stream) of the probes.
bool Latency(AckClient& ack, zmq::socket_t& sub, const ScaledEvents& events, const IngestOptions& o,
             const std::string& label) {
  const uint64_t total = static_cast<uint64_t>(o.rate * o.duration);
  const uint64_t base = o.events;  // indexes apart from the throughput phase's
  const auto interval = std::chrono::nanoseconds(1'000'000'000 / o.rate);
  std::vector<Clock::time_point> sent_at(total);
  std::vector<int64_t> ack_us, alert_us;
  ack_us.reserve(total);
  uint64_t sent = 0, replies = 0, accepted = 0, probes = 0;
  double send_secs = 0;
  auto micros = [](Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  };
  zmq::pollitem_t items[] = {{ack.socket().handle(), 0, ZMQ_POLLIN, 0},
                             {sub.handle(), 0, ZMQ_POLLIN, 0}};
  const std::string load = LoadAverage();
  const auto start = Clock::now();
  auto progress = start, end = start + 1h;
  while (replies < total || (alert_us.size() < probes && Clock::now() < end)) {
    for (auto now = Clock::now(); sent < total && start + sent * interval <= now; ++sent) {
      const std::string json = EventJson(events, base + sent, o.probe_every);
      sent_at[sent] = Clock::now();
      ack.Send(base + sent, json);
      if (sent + 1 == total) send_secs = Seconds(start);
    }
    zmq::poll(items, 2, sent < total ? 1ms : 100ms);
    while (auto r = ack.TryReceive()) {
      if (r->index < base || r->index >= base + total) continue;  // AwaitStream's
      const auto now = Clock::now();
      progress = now;
      ++replies;
      if (!r->accepted) continue;
      ++accepted;
      probes += o.probe_every && r->index % o.probe_every == 0;
      ack_us.push_back(micros(now - sent_at[r->index - base]));
    }
    std::vector<zmq::message_t> frames;
    while (zmq::recv_multipart(sub, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
      const auto now = Clock::now();
      if (auto p = frames.size() == 2 ? ProbeOfAlert(frames[1].to_string_view()) : std::nullopt;
          p && *p >= base && *p < base + total)
        alert_us.push_back(micros(now - sent_at[*p - base]));
      frames.clear();
    }
    if (replies == total && end == start + 1h) end = Clock::now() + 2s;  // the last alerts
    if (replies < total && Clock::now() - progress > kNoProgressTimeout) {
      std::cerr << "vigia-bench ingest: no reply for 10 s; " << replies << " of " << sent << "\n";
      return false;
    }
  }
  const Percentiles ack_p = ComputePercentiles(ack_us), alert_p = ComputePercentiles(alert_us);
  std::printf("ingest    %s at %llu events/s for %.0f s (sent at %.0f/s, %llu rejected), load %s\n"
              "          ack latency            %s\n",
              label.c_str(), static_cast<unsigned long long>(o.rate), o.duration, sent / send_secs,
              static_cast<unsigned long long>(total - accepted), load.c_str(),
              ToString(ack_p).c_str());
  if (o.probe_every)
    std::printf("          ingest → alert latency %s (of %llu probes accepted, 1 in %llu events)\n",
                ToString(alert_p).c_str(), static_cast<unsigned long long>(probes),
                static_cast<unsigned long long>(o.probe_every));
  return alert_p.count == probes;
}

// Waits until one probe's alert comes through `sub` (the subscription is live).
bool AwaitStream(AckClient& ack, zmq::socket_t& sub) {
  zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
  for (int attempt = 0; attempt < 50; ++attempt) {
    ack.Send(UINT64_MAX, "{\"id\":\"probe-warmup-" + std::to_string(attempt) +
                             "\",\"type\":\"report\",\"time\":\"" + FormatRfc3339(WallNow()) +
                             "\",\"source\":\"bench\",\"region\":\"MX-CHH\","
                             "\"groups\":[\"journalist\"],\"category\":\"killing\"}");
    const auto until = Clock::now() + 100ms;
    while (Clock::now() < until) {
      zmq::poll(&item, 1, 10ms);
      while (ack.TryReceive()) {
      }
      std::vector<zmq::message_t> frames;
      while (zmq::recv_multipart(sub, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
        if (frames.size() == 2 &&
            frames[1].to_string_view().find("probe-warmup-") != std::string_view::npos)
          return true;
        frames.clear();
      }
    }
  }
  return false;
}

enum class Phase { kThroughput, kLatency };

// One phase on a fresh vigiad (a phase must not pay for the last one's WAL
// checkpoint). False on failure, the temp dir then kept.
bool RunPhase(const IngestOptions& o, const std::string& vigiad, const std::string& sync,
              Phase phase, const ScaledEvents& events) {
  const fs::path dir = MakeTempDir(o.dir, "vigia-bench-ingest-");
  if (dir.empty()) return false;
  bool ok = false;
  {
    Daemon daemon(dir, o, sync);
    if (std::string err = daemon.Start(vigiad); !err.empty()) {
      std::cerr << "vigia-bench ingest: " << err << "\n";
      return false;
    }
    zmq::context_t context{1};
    AckClient ack(context, daemon.ack());
    zmq::socket_t sub(context, zmq::socket_type::sub);
    sub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::rcvhwm, 0);
    sub.set(zmq::sockopt::subscribe, "alert.critical.");
    sub.connect(daemon.alerts());
    const std::string label = "sync=" + sync;
    if (phase == Phase::kThroughput)
      ok = Throughput(ack, events, o, label);
    else
      ok = (!o.probe_every || AwaitStream(ack, sub)) && Latency(ack, sub, events, o, label);
    std::printf("          vigiad peak RSS %.0f MiB\n", PeakRssMib(daemon.pid()));
    if (const int code = daemon.Stop(); code != 0) {
      std::cerr << "vigia-bench ingest: vigiad exited with " << code << "\n" << daemon.Log();
      ok = false;
    }
  }
  std::fflush(stdout);
  std::error_code ec;
  if (!ok) std::cerr << "vigia-bench ingest: failed; temp dir kept: " << dir.string() << "\n";
  if (ok && !o.keep) fs::remove_all(dir, ec);
  return ok;
}

}  // namespace

int RunIngest(const IngestOptions& o) {
  auto catalogs = cli::LoadCatalogsOrReport("");
  if (!catalogs) return 2;
  ScaledEvents events;
  if (std::string err = events.Load(o.base, *catalogs); !err.empty()) {
    std::cerr << "vigia-bench ingest: " << err << "\n";
    return 2;
  }
  const std::string vigiad =
      o.vigiad.empty() ? (fs::read_symlink("/proc/self/exe").parent_path() / "vigiad").string()
                       : o.vigiad;
  int failures = 0;
  for (const std::string& sync : o.syncs)
    for (Phase phase : {Phase::kThroughput, Phase::kLatency})
      failures += !RunPhase(o, vigiad, sync, phase, events);
  return failures ? 1 : 0;
}

}  // namespace vigia::bench
