// SPDX-License-Identifier: Apache-2.0
// HTTPS end to end (daemon.md "HTTP API", http.tls): the real vigiad with a
// certificate made by the openssl CLI; a client that trusts only that
// certificate; plain HTTP on the same port; a key that does not fit.
// Needs OpenSSL::SSL besides the e2e libraries.
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstdlib>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include "daemon_fixture.h"
#include "http_client.h"

namespace vigia::e2e {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

// A self-signed certificate for localhost and 127.0.0.1 in <dir>/tls/, and a
// second key that belongs to no certificate.
void MakeCertificate(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir / "tls");
  const std::string tls = (dir / "tls").string();
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout '" + tls + "/key.pem' -out '" +
      tls + "/cert.pem' >/dev/null 2>&1 && openssl genpkey -algorithm RSA -pkeyopt "
      "rsa_keygen_bits:2048 -out '" + tls + "/other-key.pem' >/dev/null 2>&1 && chmod 600 '" + tls +
      "'/*key.pem";
  REQUIRE(std::system(cmd.c_str()) == 0);
}

std::string ConfigWithTls(const Daemon& d, const std::string& key) {
  std::string config = d.DefaultConfig();
  const std::string http = "tokens_file: tokens.yaml}";
  const size_t at = config.find(http);
  REQUIRE(at != std::string::npos);
  config.replace(at, http.size(),
                 "tokens_file: tokens.yaml, tls: {cert: tls/cert.pem, key: tls/" + key + "}}");
  return config;
}

struct TlsReply {
  unsigned status = 0;
  std::string body, error;
};

// One HTTPS request on a new connection, verifying the certificate in <dir>/tls.
TlsReply HttpsGet(const Daemon& d, const std::string& target, const std::string& token = "") {
  TlsReply out;
  try {
    net::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file((d.dir() / "tls" / "cert.pem").string());
    ssl::stream<tcp::socket> stream(ioc, ctx);
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    stream.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), d.HttpPort()));
    timeval tv{10, 0};
    setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    stream.handshake(ssl::stream_base::client);
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res);
    out.status = res.result_int();
    out.body = res.body();
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

TEST_CASE("With http.tls the API answers over HTTPS only", "[e2e][tls]") {
  Daemon d;
  MakeCertificate(d.dir());
  d.WriteConfig(ConfigWithTls(d, "key.pem"));
  REQUIRE(d.StartAndWaitReady());
  CHECK_THAT(d.Stderr(), Catch::Contains("connector=http") && Catch::Contains("tls=on"));

  const TlsReply health = HttpsGet(d, "/healthz");
  INFO(health.error);
  CHECK(health.status == 200);
  CHECK(HttpsGet(d, "/api/v1/rules", kViewerToken).status == 200);
  const TlsReply refused = HttpsGet(d, "/api/v1/rules", "no-such-token");
  CHECK(refused.status == 401);
  CHECK(refused.body == R"({"error":"unauthorized"})");

  // Plain HTTP on the HTTPS port: a 400 that says so, never an API answer.
  const HttpReply plain = Get(d.HttpPort(), "/api/v1/rules", kViewerToken);
  CHECK(plain.status == 400);
  CHECK_THAT(plain.body, Catch::Contains("HTTPS"));

  d.Signal(SIGTERM);
  CHECK(d.WaitExit(10s) == 0);
}

TEST_CASE("A TLS key that does not match the certificate stops vigiad at start", "[e2e][tls]") {
  Daemon d;
  MakeCertificate(d.dir());
  d.WriteConfig(ConfigWithTls(d, "other-key.pem"));
  d.Start();
  const auto code = d.WaitExit(10s);
  REQUIRE(code.has_value());
  CHECK(*code != 0);
  CHECK_THAT(d.Stderr(), Catch::Contains("does not match the certificate"));
  CHECK_THAT(d.Stderr(), !Catch::Contains("BEGIN"));  // no key material in the log
}

}  // namespace
}  // namespace vigia::e2e
