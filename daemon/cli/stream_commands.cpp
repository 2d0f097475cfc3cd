// SPDX-License-Identifier: Apache-2.0
// `vigia push` (send events over the ack socket, print each reply) and
// `vigia watch` (follow the alert stream, one readable line per alert).
#include <unistd.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <iostream>

#include <boost/json.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "connectors/curve_auth.h"
#include "daemon/cli/alert_line.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/common.h"

namespace vigia::cli {
namespace {

constexpr size_t kWindow = 1000;          // replies awaited at once (pipelining)
constexpr int kReplyTimeoutMs = 10000;    // a daemon that stops answering fails the push

bool IsRejected(const std::string& reply) { return reply.find("\"error\"") != std::string::npos; }

// An alert line (alert_line.h); an update is indented and names the change.
std::string Describe(const std::string& topic, const std::string& json) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return topic + " " + json;
  std::string line = AlertLine(v.as_object());
  if (topic.rfind("update.", 0) == 0) {
    const auto change = topic.substr(7, topic.find('.', 7) - 7);
    line = "  " + change + ": " + line;
  }
  return line;
}

// Makes `s` a CurveZMQ client when both key files are given. False (after
// saying why on stderr) on a bad or half setup.
bool SetUpCurve(zmq::socket_t& s, const CurveClientOptions& curve, const char* command) {
  if (curve.client_key.empty() && curve.server_key.empty()) return true;
  if (curve.client_key.empty() || curve.server_key.empty()) {
    std::cerr << "vigia " << command << ": CurveZMQ needs both --client-key and --server-key\n";
    return false;
  }
  auto client = connectors::LoadKeyPair(curve.client_key, /*private_file=*/false);
  if (!client) {
    std::cerr << "vigia " << command << ": " << client.error() << "\n";
    return false;
  }
  auto server = connectors::LoadPublicKey(curve.server_key);
  if (!server) {
    std::cerr << "vigia " << command << ": " << server.error() << "\n";
    return false;
  }
  try {
    connectors::MakeCurveClient(s, *client, *server);
  } catch (const zmq::error_t& e) {
    std::cerr << "vigia " << command << ": cannot use CurveZMQ: " << e.what() << "\n";
    return false;
  }
  return true;
}

}  // namespace

int RunPush(const PushOptions& options) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (options.file != "-") {
    file.open(options.file, std::ios::binary);
    if (!file) {
      std::cerr << "vigia push: cannot open '" << options.file << "'\n";
      return kExitUsage;
    }
    in = &file;
  }
  zmq::context_t context;
  zmq::socket_t s(context, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 2000);
  s.set(zmq::sockopt::rcvtimeo, kReplyTimeoutMs);
  if (!SetUpCurve(s, options.curve, "push")) return kExitUsage;
  try {
    s.connect(options.endpoint);
  } catch (const zmq::error_t& e) {
    std::cerr << "vigia push: cannot connect to " << options.endpoint << ": " << e.what() << "\n";
    return kExitUsage;
  }
  size_t in_flight = 0, sent = 0, rejected = 0, replies = 0;
  auto receive_one = [&]() {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(s, std::back_inserter(frames))) return false;
    if (frames.empty()) return false;
    const std::string reply = frames.back().to_string();
    std::cout << reply << "\n";
    rejected += IsRejected(reply);
    ++replies;
    --in_flight;
    return true;
  };
  std::string line;
  while (std::getline(*in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (in_flight >= kWindow && !receive_one()) break;
    s.send(zmq::message_t(), zmq::send_flags::sndmore);  // the delimiter, as a REQ would
    s.send(zmq::buffer(line), zmq::send_flags::none);
    ++sent, ++in_flight;
  }
  while (in_flight > 0 && receive_one()) {
  }
  std::cout.flush();
  if (in_flight > 0) {
    std::cerr << "vigia push: no reply from " << options.endpoint << " for "
              << kReplyTimeoutMs / 1000 << " s; " << in_flight << " of " << sent << " unanswered\n";
    return kExitProblems;
  }
  std::cerr << "push: " << sent << " sent, " << replies - rejected << " accepted, " << rejected
            << " rejected\n";
  return rejected ? kExitProblems : kExitOk;
}

int RunWatch(const WatchOptions& options) {
  static const char* kLevels[] = {"info", "watch", "warning", "critical"};
  int min_level = 0;
  if (!options.level.empty()) {
    min_level = -1;
    for (int i = 0; i < 4; ++i)
      if (options.level == kLevels[i]) min_level = i;
    if (min_level < 0) {
      std::cerr << "vigia watch: --level must be info, watch, warning or critical\n";
      return kExitUsage;
    }
  }
  zmq::context_t context;
  zmq::socket_t s(context, zmq::socket_type::sub);
  if (!SetUpCurve(s, options.curve, "watch")) return kExitUsage;
  try {
    s.connect(options.endpoint);
  } catch (const zmq::error_t& e) {
    std::cerr << "vigia watch: cannot connect to " << options.endpoint << ": " << e.what() << "\n";
    return kExitUsage;
  }
  // The topic carries level and region: let the socket filter alerts.
  const std::string region = options.region.empty() ? "" : options.region;
  for (int i = min_level; i < 4; ++i)
    s.set(zmq::sockopt::subscribe, std::string("alert.") + kLevels[i] + "." + region);
  s.set(zmq::sockopt::subscribe, "update.");
  for (;;) {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(s, std::back_inserter(frames)) || frames.size() != 2) continue;
    const std::string topic = frames[0].to_string();
    if (topic.rfind("update.", 0) == 0 && !region.empty() &&
        topic.substr(topic.rfind('.') + 1) != region)
      continue;
    std::cout << (options.json ? frames[1].to_string() : Describe(topic, frames[1].to_string()))
              << std::endl;
  }
}

}  // namespace vigia::cli
