// SPDX-License-Identifier: Apache-2.0
// The real vigiad as the benchmarks drive it (ingest, latency, reload): a temp
// config on free loopback ports, the process started and stopped with
// signals, its log read back; and the DEALER client of an ack socket (vigiad's,
// or the baseline's echo ROUTER).
// Thread rules: a DaemonProcess is used by one thread at a time, except
// Signal(), Log() and CountLog(), which any thread may call while it runs. An
// AckClient (a ZeroMQ socket) stays on the thread that created it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "core/time.h"

namespace vigia::bench {

// A loopback tcp port free a moment ago (0 when none could be found).
uint16_t FreePort();
// The wall clock in microseconds since the epoch.
TimeUs WallNow();
// `path`, or when empty the vigiad beside this executable.
std::string VigiadPath(const std::string& path);

struct DaemonConfig {
  std::vector<std::string> rules;  // files, or folders of *.yaml
  std::string sync = "full";       // storage.sync
  // The HTTP API on a free port with one admin token (admin_token()), for
  // /metrics and POST /api/v1/rules/reload. Off: no HTTP API.
  bool http = false;
};

// vigiad in `dir` (vigia.yaml, tokens.yaml, var/vigia.db, stderr.log), as
// config/vigia.yaml sets it up but on free loopback ports: the ack endpoint,
// the alert stream and with `http` the HTTP API.
class DaemonProcess {
 public:
  DaemonProcess(std::filesystem::path dir, const DaemonConfig& config);
  ~DaemonProcess();  // SIGKILL when still running
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Spawns `vigiad` and waits (60 s at most) for daemon.ready. Empty string on
  // success, else why not, with the log.
  std::string Start(const std::string& vigiad);
  // SIGTERM and wait 15 s; the exit code, or -1 when it had to be killed.
  int Stop();
  // Sends `signo`; false when the process is not running.
  bool Signal(int signo) const;

  // The whole stderr log so far.
  std::string Log() const;
  // Lines of the log holding `needle`.
  size_t CountLog(std::string_view needle) const;

  pid_t pid() const { return pid_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path database() const { return dir_ / "var" / "vigia.db"; }
  const std::string& ack() const { return ack_; }        // tcp://127.0.0.1:PORT
  const std::string& alerts() const { return alerts_; }  // tcp://127.0.0.1:PORT
  uint16_t http_port() const { return http_port_; }      // 0 without the HTTP API
  const std::string& admin_token() const { return admin_token_; }

 private:
  std::filesystem::path dir_;
  std::string ack_, alerts_, admin_token_;
  uint16_t http_port_ = 0;
  pid_t pid_ = -1;
};

// The wall time (µs since the epoch) of a vigiad text log line
// ("2024-05-01T10:00:00.123456Z info ..."), or nullopt.
std::optional<TimeUs> LogLineTime(std::string_view line);

// A DEALER on an ack socket. Each request is [index (8 bytes)] [event]; the
// ROUTER returns the envelope, so the reply is [index] [reply JSON].
class AckClient {
 public:
  // `context` must outlive the client.
  AckClient(zmq::context_t& context, const std::string& endpoint);

  void Send(uint64_t index, std::string_view json);
  struct Reply {
    uint64_t index;
    bool accepted;  // {"accepted": ...}
  };
  // The next reply if one is waiting. The first rejections are printed to stderr.
  std::optional<Reply> TryReceive();
  zmq::socket_t& socket() { return socket_; }

 private:
  zmq::socket_t socket_;
  int rejections_logged_ = 0;
};

}  // namespace vigia::bench
