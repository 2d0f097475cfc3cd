// SPDX-License-Identifier: Apache-2.0
// HTTPS (http.tls): real sockets, a certificate made by the openssl CLI.
#include <stdlib.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include "daemon/http/server.h"
#include "daemon/http/server_test_util.h"

namespace vigia::daemon::http::testing {
namespace {

namespace ssl = boost::asio::ssl;
namespace fs = std::filesystem;
using V = bhttp::verb;

// A temporary folder with a self-signed certificate for localhost and
// 127.0.0.1, made once per test run.
struct TestCert {
  TestCert() {
    char tmpl[] = "/tmp/vigia-tls-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    files = {dir / "cert.pem", dir / "key.pem"};
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
        "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout '" + files.key.string() +
        "' -out '" + files.cert.string() + "' >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const std::string other = "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out '" +
                              (dir / "other-key.pem").string() + "' >/dev/null 2>&1";
    REQUIRE(std::system(other.c_str()) == 0);
  }
  ~TestCert() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
  TlsFiles files;
};

const TestCert& Cert() {
  static const TestCert cert;
  return cert;
}

// A synchronous HTTPS client that trusts only the test certificate and checks
// that it names 127.0.0.1.
class TlsClient {
 public:
  explicit TlsClient(uint16_t port, int max_version = 0) : stream_(ioc_, ctx_) {
    ctx_.load_verify_file(Cert().files.cert.string());
    if (max_version) {
      // Offer only old versions, and allow them on this side (Debian's default
      // security level would refuse them before the server is asked).
      SSL* ssl = stream_.native_handle();
      SSL_set_security_level(ssl, 0);
      SSL_set_min_proto_version(ssl, TLS1_VERSION);
      SSL_set_max_proto_version(ssl, max_version);
    }
    stream_.set_verify_mode(ssl::verify_peer);
    stream_.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    beast::get_lowest_layer(stream_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    timeval tv{15, 0};
    setsockopt(beast::get_lowest_layer(stream_).native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  beast::error_code Handshake() {
    beast::error_code ec;
    stream_.handshake(ssl::stream_base::client, ec);
    return ec;
  }

  Reply Call(V method, const std::string& target, const std::string& token = "",
             const std::string& body = "") {
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
    req.body() = body;
    req.prepare_payload();
    bhttp::write(stream_, req);
    return Read();
  }
  Reply Read() {
    bhttp::response_parser<bhttp::string_body> parser;
    bhttp::read(stream_, buffer_, parser);
    Reply r;
    r.status = parser.get().result_int();
    r.body = parser.get().body();
    r.headers = parser.get().base();
    return r;
  }
  void WriteRaw(const std::string& text) { net::write(stream_, net::buffer(text)); }
  bool ReadUntil(const std::string& needle) {
    while (raw_.find(needle) == std::string::npos) {
      char chunk[4096];
      beast::error_code ec;
      const size_t n = stream_.read_some(net::buffer(chunk), ec);
      if (ec) return false;
      raw_.append(chunk, n);
    }
    return true;
  }

 private:
  net::io_context ioc_;
  ssl::context ctx_{ssl::context::tls_client};
  ssl::stream<tcp::socket> stream_;
  beast::flat_buffer buffer_;
  std::string raw_;
};

TestServerOptions Https() { return {Cert().files, {}}; }

TEST_CASE("With a certificate the API speaks HTTPS", "[http][tls]") {
  TestDaemon d{TestTokens(), {}, {}, Https()};
  TlsClient c(d.port());
  REQUIRE(c.Handshake() == beast::error_code());
  CHECK(c.Call(V::get, "/healthz").status == 200);  // keep-alive over one TLS session
  CHECK(c.Call(V::get, "/api/v1/rules", "viewer-secret").status == 200);
  const Reply refused = c.Call(V::get, "/api/v1/rules", "nope");
  CHECK(refused.status == 401);
  CHECK(refused.body == R"({"error":"unauthorized"})");
  CHECK(c.Call(V::get, "/api/v1/rules/reload", "viewer-secret").status == 405);

  SECTION("posted events raise alerts on a stream") {
    TlsClient stream(d.port());
    REQUIRE(stream.Handshake() == beast::error_code());
    stream.WriteRaw("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-secret\r\n\r\n");
    REQUIRE(stream.ReadUntil(": connected\n\n"));
    CHECK(c.Call(V::post, "/api/v1/events", "integrator-secret", Report("tls-1")).status == 200);
    CHECK(stream.ReadUntil("\"rule\":\"any-threat\""));
  }
  SECTION("a header over 8 KiB is 431") {
    TlsClient big(d.port());
    REQUIRE(big.Handshake() == beast::error_code());
    big.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(9000, 'a') + "\r\n\r\n");
    CHECK(big.Read().status == 431);
  }
  SECTION("plain HTTP gets a 400 that says HTTPS, and no answer of the API") {
    const Reply plain = Get(d.port(), "/healthz");
    CHECK(plain.status == 400);
    CHECK_THAT(plain.body, Catch::Contains("HTTPS"));
  }
  SECTION("TLS 1.1 and older are refused") {
    TlsClient old(d.port(), TLS1_1_VERSION);
    CHECK(old.Handshake() != beast::error_code());
  }
  SECTION("the server stops soon even with a TLS stream open") {
    TlsClient stream(d.port());
    REQUIRE(stream.Handshake() == beast::error_code());
    stream.WriteRaw("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-secret\r\n\r\n");
    REQUIRE(stream.ReadUntil(": connected\n\n"));
    CHECK(d.Stop() < std::chrono::milliseconds(500));
  }
}

TEST_CASE("A client that never finishes the TLS handshake is cut at the read deadline",
          "[http][tls]") {
  TestDaemon d{TestTokens(), {}, {}, {Cert().files, std::chrono::milliseconds(500)}};
  Client idle(d.port());
  idle.WriteRaw(std::string("\x16\x03\x01", 3));  // the start of a ClientHello, then nothing
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(idle.ReadMore());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE("A bad certificate or key stops the server at Open with a clear reason", "[http][tls]") {
  zmq::context_t context;
  connectors::CatalogHandle catalogs{
      std::shared_ptr<const Catalogs>(&Catalogs::Defaults(), [](const Catalogs*) {})};
  const auto open = [&](TlsFiles files) {
    HttpServer server(context, catalogs, DecodeLimits{}, TokenTable(), {}, "127.0.0.1:0", files);
    return server.Open();
  };
  const TlsFiles good = Cert().files;
  CHECK(open(good).empty());

  SECTION("a missing file") {
    const std::string err = open({Cert().dir / "missing.pem", good.key});
    CHECK_THAT(err, Catch::Contains("cannot read the HTTPS certificate file") &&
                        Catch::Contains("missing.pem") && Catch::Contains("No such file"));
  }
  SECTION("a file that is no certificate") {
    const fs::path junk = Cert().dir / "junk.pem";
    std::ofstream(junk) << "not a certificate\n";
    CHECK_THAT(open({junk, good.key}), Catch::Contains("holds no usable PEM certificate"));
    CHECK_THAT(open({good.cert, junk}), Catch::Contains("holds no usable PEM private key"));
  }
  SECTION("a key of another certificate") {
    const std::string err = open({good.cert, Cert().dir / "other-key.pem"});
    CHECK_THAT(err, Catch::Contains("does not match the certificate"));
    CHECK_THAT(err, !Catch::Contains("BEGIN"));  // never quotes key material
  }
}

}  // namespace
}  // namespace vigia::daemon::http::testing
