// SPDX-License-Identifier: Apache-2.0
// Durations, sizes, endpoints and listen addresses, and what may not be used twice.
#include <catch2/catch.hpp>

#include "config/detail/testing.h"
#include "config/detail/values.h"

namespace vigia::config {
namespace {

using testing::Briefs;
using testing::Parse;
using testing::Where;
using Strings = std::vector<std::string>;

LoadResult<Config> WithIngest(const std::string& fields) {
  return Parse("ingest: {zmq: [{bind: \"inproc://e\", mode: ack}], " + fields + "}\n");
}

TEST_CASE("Sizes take bytes, KiB or MiB up to 16MiB", "[config][size]") {
  using detail::ParseSize;
  CHECK(ParseSize("65536") == 65536u);
  CHECK(ParseSize("512B") == 512u);
  CHECK(ParseSize("64KiB") == 65536u);
  CHECK(ParseSize("1MiB") == 1048576u);
  CHECK_FALSE(ParseSize("64 KB"));
  CHECK_FALSE(ParseSize("64KB"));
  CHECK_FALSE(ParseSize("64kib"));
  CHECK_FALSE(ParseSize("1.5MiB"));
  CHECK_FALSE(ParseSize("-1"));
  CHECK_FALSE(ParseSize("KiB"));
  CHECK_FALSE(ParseSize(""));
  CHECK_FALSE(ParseSize("99999999999999999999"));
  CHECK_FALSE(ParseSize("18014398509481984MiB"));  // 2^54 MiB overflows 64 bits
  CHECK(detail::FormatSize(16 * 1024 * 1024) == "16MiB");
  CHECK(detail::FormatSize(1536) == "1536B");

  CHECK(WithIngest("max_message: 1MiB").value().ingest.max_message == 1048576u);
  CHECK(WithIngest("max_message: 65536").value().ingest.max_message == 65536u);
  CHECK(WithIngest("max_message: '65536'").value().ingest.max_message == 65536u);
  CHECK(WithIngest("max_message: 16MiB").value().ingest.max_message == 16u * 1024 * 1024);
  // ingest: {zmq: [{bind: "inproc://e", mode: ack}], max_message: ...  value at column 63
  CHECK(Briefs(WithIngest("max_message: 64 KB").diagnostics()) ==
        Strings{"1:63 C105 invalid size '64 KB' for 'ingest.max_message'"});
  CHECK(Where(WithIngest("max_message: 17MiB").diagnostics()) == Strings{"1:63 C105"});
  CHECK(Where(WithIngest("max_message: 100").diagnostics()) == Strings{"1:63 C105"});
  CHECK(Where(WithIngest("max_message: 0").diagnostics()) == Strings{"1:63 C105"});
  CHECK(Where(WithIngest("max_message: true").diagnostics()) == Strings{"1:63 C102"});
  auto out_of_range = WithIngest("max_message: 17MiB");
  CHECK(out_of_range.diagnostics()[0].hint == "must be from 1KiB to 16MiB");
}

TEST_CASE("Durations take s, m, h, d or w and keep their ranges", "[config][duration]") {
  auto engine = [](const std::string& fields) {
    return Parse(std::string(testing::kWayIn) + "engine: {" + fields + "}\n");
  };
  CHECK(engine("allowed_lateness: 90s").value().engine.allowed_lateness == 90 * kSecond);
  CHECK(engine("allowed_lateness: 30d").value().engine.allowed_lateness == 30 * kDay);
  CHECK(engine("startup_grace: 0s").value().engine.startup_grace == 0);
  // engine: {allowed_lateness: ...   value at column 28
  CHECK(Briefs(engine("allowed_lateness: 1 hour").diagnostics()) ==
        Strings{"2:28 C104 invalid duration '1 hour' for 'engine.allowed_lateness'"});
  CHECK(Where(engine("allowed_lateness: 31d").diagnostics()) == Strings{"2:28 C104"});
  CHECK(Where(engine("allowed_lateness: 0s").diagnostics()) == Strings{"2:28 C104"});
  CHECK(Where(engine("allowed_lateness: 60").diagnostics()) == Strings{"2:28 C104"});
  CHECK(Where(engine("allowed_lateness: -1h").diagnostics()) == Strings{"2:28 C104"});
  CHECK(Where(engine("allowed_lateness: 1.5h").diagnostics()) == Strings{"2:28 C104"});
  CHECK(Where(engine("max_future_skew: 0m").diagnostics()) == Strings{"2:27 C104"});
  CHECK(Where(engine("startup_grace: 5y").diagnostics()) == Strings{"2:25 C104"});
  CHECK(Where(engine("startup_grace: [5m]").diagnostics()) == Strings{"2:25 C102"});
  CHECK(engine("allowed_lateness: 0s").diagnostics()[0].hint == "must be more than zero");

  CHECK(Where(Parse(std::string(testing::kWayIn) + "storage: {retention: 2y}\n").diagnostics()) ==
        Strings{"2:22 C104"});
  CHECK(Where(WithIngest("dedup_window: 30").diagnostics()) == Strings{"1:64 C104"});
  CHECK(WithIngest("dedup_window: 1w").value().ingest.dedup_window == kWeek);
}

TEST_CASE("ZeroMQ endpoints are tcp with an address and port, ipc or inproc",
          "[config][endpoint]") {
  auto ok = [](std::string_view text) {
    auto e = detail::ParseZmqEndpoint(text, "/etc/vigia");
    return e ? e->text : "error: " + e.error().message;
  };
  CHECK(ok("tcp://127.0.0.1:7701") == "tcp://127.0.0.1:7701");
  CHECK(ok("tcp://0.0.0.0:1") == "tcp://0.0.0.0:1");
  CHECK(ok("tcp://localhost:65535") == "tcp://localhost:65535");
  CHECK(ok("tcp://[::1]:7701") == "tcp://[::1]:7701");
  CHECK(ok("ipc://var/vigia-ingest") == "ipc:///etc/vigia/var/vigia-ingest");
  CHECK(ok("ipc://../run/x") == "ipc:///etc/run/x");
  CHECK(ok("ipc:///run/vigia/in") == "ipc:///run/vigia/in");
  CHECK(ok("ipc://@vigia") == "ipc://@vigia");
  CHECK(ok("inproc://events") == "inproc://events");

  CHECK(ok("tcp://127.0.0.1:0") == "error: no ephemeral port '0': clients must know the port");
  CHECK(ok("tcp://127.0.0.1:*") == "error: no ephemeral port '*': clients must know the port");
  CHECK(ok("tcp://127.0.0.1:65536") == "error: invalid port '65536'");
  CHECK(ok("tcp://127.0.0.1:http") == "error: invalid port 'http'");
  CHECK(ok("tcp://127.0.0.1:") == "error: invalid port ''");
  CHECK(ok("tcp://127.0.0.1") == "error: missing ':PORT'");
  CHECK(ok("tcp://*:7701") == "error: no wildcard host '*'");
  CHECK(ok("tcp://eth0:7701") == "error: host 'eth0' is not an IP address or localhost");
  CHECK(ok("tcp://example.org:7701") ==
        "error: host 'example.org' is not an IP address or localhost");
  CHECK(ok("tcp://256.1.1.1:7701") == "error: host '256.1.1.1' is not an IP address or localhost");
  CHECK(ok("tcp://::1:7701") == "error: an IPv6 address must be in brackets");
  CHECK(ok("tcp://[::1:7701") == "error: unclosed '[' in the IPv6 address");
  CHECK(ok("tcp://[1.2.3.4]:7701") == "error: '1.2.3.4' is not an IPv6 address");
  CHECK(ok("udp://127.0.0.1:7701") == "error: unsupported transport 'udp'");
  CHECK(ok("127.0.0.1:7701") == "error: missing the transport");
  CHECK(ok("ipc://") == "error: missing the ipc path");
  CHECK(ok("ipc://*") == "error: no random ipc path '*': clients must know the path");
  CHECK(ok("inproc://") == "error: missing the inproc name");
  CHECK(ok("ipc:///" + std::string(120, 'x')).starts_with("error: ipc path '/xxx"));
}

TEST_CASE("A bad endpoint is C106 at the value with the allowed forms", "[config][endpoint]") {
  auto result = Parse(R"(ingest:
  zmq:
    - bind: tcp://127.0.0.1:0
      mode: ack
alerts: {publish: "pgm://eth0;239.192.1.1:5555"}
http: {bind: "http://127.0.0.1:7780", tokens_file: t.yaml}
)");
  CHECK(Briefs(result.diagnostics()) ==
        Strings{"3:13 C106 invalid endpoint 'tcp://127.0.0.1:0' for 'ingest.zmq[0].bind': no "
                "ephemeral port '0': clients must know the port",
                "5:19 C106 invalid endpoint 'pgm://eth0;239.192.1.1:5555' for 'alerts.publish': "
                "unsupported transport 'pgm'",
                "6:14 C106 invalid listen address 'http://127.0.0.1:7780' for 'http.bind': a "
                "listen address has no scheme"});
  CHECK(result.diagnostics()[1].hint == "use tcp://HOST:PORT, ipc://PATH or inproc://NAME");
  CHECK(result.diagnostics()[0].span == 17);
}

TEST_CASE("HTTP listen addresses are HOST:PORT", "[config][endpoint]") {
  auto http = [](const std::string& bind) {
    return Parse("http: {bind: \"" + bind + "\", tokens_file: t.yaml}\n");
  };
  CHECK(http("[::1]:8080").value().http->host == "::1");
  CHECK(http("[::1]:8080").value().http->port == 8080);
  CHECK(http("localhost:80").value().http->host == "localhost");
  CHECK(Where(http("127.0.0.1").diagnostics()) == Strings{"1:14 C106"});
  CHECK(Where(http(":7780").diagnostics()) == Strings{"1:14 C106"});
  CHECK(Where(http("127.0.0.1:0").diagnostics()) == Strings{"1:14 C106"});
}

TEST_CASE("An endpoint, port or tailed file used twice is C107 at the second", "[config]") {
  SECTION("the same endpoint") {
    auto result = Parse(R"(ingest:
  zmq:
    - {bind: "tcp://127.0.0.1:7701", mode: ack}
    - {bind: "tcp://127.0.0.1:7701", mode: push}
)");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"4:14 C107 'tcp://127.0.0.1:7701' of 'ingest.zmq[1].bind' is already used by "
                  "'ingest.zmq[0].bind' (line 3)"});
  }
  SECTION("the same ipc path written two ways") {
    auto result = Parse(R"(ingest: {zmq: [{bind: "ipc://var/in", mode: ack}]}
alerts: {publish: "ipc:///etc/vigia/var/./in"}
)");
    CHECK(Where(result.diagnostics()) == Strings{"2:19 C107"});
  }
  SECTION("the same port on localhost and 127.0.0.1, and the HTTP API on a wildcard") {
    auto result = Parse(R"(ingest: {zmq: [{bind: "tcp://localhost:7701", mode: ack}]}
alerts: {publish: "tcp://127.0.0.1:7701"}
http: {bind: "0.0.0.0:7701", tokens_file: t.yaml}
)");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"2:19 C107 port 7701 of 'alerts.publish' is already used by "
                  "'ingest.zmq[0].bind' (line 1)",
                  "3:14 C107 port 7701 of 'http.bind' is already used by 'ingest.zmq[0].bind' "
                  "(line 1)"});
  }
  SECTION("the same port on two addresses is fine") {
    CHECK(Parse(R"(ingest: {zmq: [{bind: "tcp://127.0.0.1:7701", mode: ack}]}
alerts: {publish: "tcp://192.168.1.2:7701"}
)")
              .ok());
  }
  SECTION("the same tailed file") {
    auto result = Parse("ingest: {files: [{path: a.jsonl}, {path: ./a.jsonl, from: end}]}\n");
    CHECK(Where(result.diagnostics()) == Strings{"1:42 C107"});
  }
}

TEST_CASE("Node names look like host names", "[config]") {
  CHECK(detail::IsNodeName("chihuahua-1"));
  CHECK(detail::IsNodeName("node_2.example"));
  CHECK_FALSE(detail::IsNodeName(""));
  CHECK_FALSE(detail::IsNodeName("a b"));
  CHECK_FALSE(detail::IsNodeName("nodo-ñ"));
  CHECK_FALSE(detail::IsNodeName(std::string(65, 'a')));
  CHECK(Parse(std::string(testing::kWayIn) + "node: chihuahua-1\n").value().node == "chihuahua-1");
}

}  // namespace
}  // namespace vigia::config
