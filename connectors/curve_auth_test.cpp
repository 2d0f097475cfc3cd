// SPDX-License-Identifier: Apache-2.0
// Curve key files (good, bad, permissions), the ZAP handler's decisions (also
// over a real handshake) and the source/region permissions.
#include "connectors/curve_auth.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <catch2/catch.hpp>
#include <zmq_addon.hpp>

#include "connectors/zap_handler.h"

namespace vigia::connectors {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "vigia-curve-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void Write(const fs::path& file, const std::string& text, mode_t mode = 0600) {
  std::ofstream(file) << text;
  ::chmod(file.c_str(), mode);
}

std::string PairYaml(const CurveKeyPair& k) {
  return "public: \"" + k.public_key + "\"\nsecret: \"" + k.secret_key + "\"\n";
}

std::string Binary(const std::string& z85) {
  std::string b;
  REQUIRE(DecodeKey(z85, &b));
  return b;
}

}  // namespace

TEST_CASE("A key pair file is read, checked and refused when others may read it",
          "[connectors][curve]") {
  TempDir dir;
  auto pair = GenerateKeyPair();
  REQUIRE(pair);
  const fs::path file = dir.path / "server.key";

  SECTION("mode 0600: read") {
    Write(file, PairYaml(*pair));
    auto loaded = LoadKeyPair(file, true);
    REQUIRE(loaded);
    CHECK(loaded->public_key == pair->public_key);
    CHECK(loaded->secret_key == pair->secret_key);
  }
  SECTION("group or others may read it: refused with chmod advice, no key in the message") {
    Write(file, PairYaml(*pair), 0644);
    auto loaded = LoadKeyPair(file, true);
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error(), Catch::Contains("mode 0644") && Catch::Contains("chmod 600"));
    CHECK_THAT(loaded.error(), !Catch::Contains(pair->secret_key));
    CHECK(LoadKeyPair(file, false));  // a client reading its own key does not insist
  }
  SECTION("a public key that is not the secret key's") {
    auto other = GenerateKeyPair();
    Write(file, "public: \"" + other->public_key + "\"\nsecret: \"" + pair->secret_key + "\"\n");
    auto loaded = LoadKeyPair(file, true);
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error(), Catch::Contains("does not belong"));
  }
  SECTION("bad files") {
    Write(file, "public: short\nsecret: \"" + pair->secret_key + "\"\n");
    CHECK_THAT(LoadKeyPair(file, true).error(), Catch::Contains("'public' is not a Z85 key"));
    Write(file, "public: \"" + pair->public_key + "\"\n");
    CHECK_THAT(LoadKeyPair(file, true).error(), Catch::Contains("needs both"));
    Write(file, "[unclosed");
    CHECK_THAT(LoadKeyPair(file, true).error(), Catch::Contains("not valid YAML"));
    Write(file, PairYaml(*pair) + "colour: blue\n");
    CHECK_THAT(LoadKeyPair(file, true).error(), Catch::Contains("unknown key 'colour'"));
    CHECK_THAT(LoadKeyPair(dir.path / "missing.key", true).error(), Catch::Contains("cannot read"));
  }
  SECTION("the public key alone, from either file") {
    Write(file, PairYaml(*pair));
    CHECK(LoadPublicKey(file).value() == pair->public_key);
    Write(dir.path / "server.pub.yaml", "public: \"" + pair->public_key + "\"\n", 0644);
    CHECK(LoadPublicKey(dir.path / "server.pub.yaml").value() == pair->public_key);
  }
}

TEST_CASE("Client files name the source and regions a key may send", "[connectors][curve]") {
  auto pair = GenerateKeyPair();
  const std::string pub = "public: \"" + pair->public_key + "\"\n";

  auto one = ParseClientKey("red-tdt", pub + "source: red-tdt\nregions: [MX-CHH, MX-GRO]\n");
  REQUIRE(one);
  CHECK(one->sources == std::vector<std::string>{"red-tdt"});
  CHECK(ForbiddenField(*one, "red-tdt", "MX-CHH").empty());
  CHECK(ForbiddenField(*one, "red-tdt", "MX-GRO").empty());
  CHECK(ForbiddenField(*one, "other", "MX-CHH") == "source");
  CHECK(ForbiddenField(*one, "red-tdt", "MX-OAX") == "region");

  auto any_region = ParseClientKey("b", pub + "sources: [a, b]\n");
  REQUIRE(any_region);
  CHECK(ForbiddenField(*any_region, "b", "MX-OAX").empty());
  CHECK(ForbiddenField(*any_region, "c", "MX-OAX") == "source");

  auto no_source = ParseClientKey("operator", pub);  // an alert stream subscriber
  REQUIRE(no_source);
  CHECK(ForbiddenField(*no_source, "x", "MX-CHH") == "source");

  CHECK_THAT(ParseClientKey("x", pub + "secret: \"" + pair->secret_key + "\"\n").error(),
             Catch::Contains("never NAME.key"));
  CHECK_THAT(ParseClientKey("x", pub + "source: a\nsources: [b]\n").error(),
             Catch::Contains("not both"));
  CHECK_THAT(ParseClientKey("x", pub + "sources: []\n").error(), Catch::Contains("'sources'"));
  CHECK_THAT(ParseClientKey("x", "source: a\n").error(), Catch::Contains("needs 'public"));
  CHECK_THAT(ParseClientKey("x", pub + "regoins: [MX-CHH]\n").error(),
             Catch::Contains("unknown key 'regoins'"));
}

TEST_CASE("A clients_dir loads all or nothing", "[connectors][curve]") {
  TempDir dir;
  auto a = GenerateKeyPair(), b = GenerateKeyPair();
  Write(dir.path / "red-tdt.pub.yaml", "public: \"" + a->public_key + "\"\nsource: red-tdt\n", 0644);
  Write(dir.path / "ops.yaml", "public: \"" + b->public_key + "\"\n", 0644);
  Write(dir.path / "README", "not a key", 0644);  // ignored
  auto keys = LoadClientKeys(dir.path);
  REQUIRE(keys);
  CHECK((*keys)->size() == 2);
  REQUIRE((*keys)->FindByName("red-tdt"));
  CHECK((*keys)->FindByBinaryKey(Binary(a->public_key))->name == "red-tdt");
  CHECK((*keys)->FindByBinaryKey(Binary(b->public_key))->name == "ops");
  CHECK((*keys)->FindByBinaryKey(std::string(32, 'x')) == nullptr);

  SECTION("a key given twice") {
    Write(dir.path / "copy.pub.yaml", "public: \"" + a->public_key + "\"\n", 0644);
    auto bad = LoadClientKeys(dir.path);
    REQUIRE_FALSE(bad);
    REQUIRE(bad.error().size() == 1);
    CHECK_THAT(bad.error()[0], Catch::Contains("same public key"));
  }
  SECTION("a bad file: every problem, by file") {
    Write(dir.path / "broken.pub.yaml", "public: nope\n", 0644);
    Write(dir.path / "bad name.pub.yaml", "public: nope\n", 0644);
    auto bad = LoadClientKeys(dir.path);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().size() == 2);
  }
  SECTION("no such folder") {
    CHECK_FALSE(LoadClientKeys(dir.path / "missing"));
  }
}

TEST_CASE("The ZAP handler admits known keys with their name as User-Id, refuses others",
          "[connectors][curve][zap]") {
  zmq::context_t context;
  auto known = GenerateKeyPair(), stranger = GenerateKeyPair(), server = GenerateKeyPair();
  ClientKeyHandle keys;
  std::vector<ClientKey> list;
  list.push_back(ParseClientKey("red-tdt", "public: \"" + known->public_key + "\"\nsource: red-tdt\n").value());
  keys.store(std::make_shared<const ClientKeySet>(std::move(list)));
  std::vector<ZapHandler::Refusal> refusals;
  ZapHandler zap(context, [&](const ZapHandler::Refusal& r) { refusals.push_back(r); });
  zap.AddDomain(kIngestZapDomain, keys);

  SECTION("decisions") {
    ZapDecision ok = zap.Decide(kIngestZapDomain, "CURVE", Binary(known->public_key));
    CHECK(ok.status_code == "200");
    CHECK(ok.user_id == "red-tdt");
    CHECK(zap.Decide(kIngestZapDomain, "CURVE", Binary(stranger->public_key)).status_code == "400");
    CHECK(zap.Decide(kIngestZapDomain, "NULL", "").status_code == "400");
    CHECK(zap.Decide("other", "CURVE", Binary(known->public_key)).status_code == "400");
    keys.store(std::make_shared<const ClientKeySet>());  // revoked
    CHECK(zap.Decide(kIngestZapDomain, "CURVE", Binary(known->public_key)).status_code == "400");
  }

  SECTION("over a real handshake: the message carries User-Id; an unknown key gets nothing") {
    REQUIRE(zap.Start().empty());
    zmq::socket_t pull(context, zmq::socket_type::pull);
    pull.set(zmq::sockopt::linger, 0);
    MakeCurveServer(pull, {server->secret_key, kIngestZapDomain});
    pull.bind("tcp://127.0.0.1:*");
    const std::string endpoint = pull.get(zmq::sockopt::last_endpoint);
    pull.set(zmq::sockopt::rcvtimeo, 5000);

    zmq::socket_t good(context, zmq::socket_type::push), bad(context, zmq::socket_type::push);
    for (auto* s : {&good, &bad}) s->set(zmq::sockopt::linger, 0);
    MakeCurveClient(good, *known, server->public_key);
    MakeCurveClient(bad, *stranger, server->public_key);
    bad.connect(endpoint);
    bad.send(zmq::str_buffer("from-stranger"), zmq::send_flags::dontwait);
    good.connect(endpoint);
    good.send(zmq::str_buffer("from-known"));

    zmq::message_t m;
    REQUIRE(pull.recv(m));
    CHECK(m.to_string() == "from-known");
    CHECK(std::string(m.gets("User-Id")) == "red-tdt");
    pull.set(zmq::sockopt::rcvtimeo, 500);
    CHECK_FALSE(pull.recv(m));  // the stranger's message never arrives
    zap.Stop();
    REQUIRE_FALSE(refusals.empty());
    CHECK(refusals[0].domain == kIngestZapDomain);
    CHECK(refusals[0].reason == "unknown key");
  }
}

}  // namespace vigia::connectors
