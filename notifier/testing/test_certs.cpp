// SPDX-License-Identifier: Apache-2.0
#include "notifier/testing/test_certs.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace vigia::notifier::testing {
namespace {

namespace fs = std::filesystem;

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void Run(const fs::path& dir, const std::string& command) {
  const std::string full = "cd '" + dir.string() + "' && " + command + " >>openssl.log 2>&1";
  if (std::system(full.c_str()) != 0) {
    std::ifstream log(dir / "openssl.log");
    std::stringstream text;
    text << log.rdbuf();
    throw std::runtime_error("openssl failed: " + command + "\n" + text.str());
  }
}

struct Holder {
  Holder() {
    char pattern[] = "/tmp/vigia-test-certs-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = pattern;
    WriteFile(dir / "ca.cnf",
              "[req]\ndistinguished_name = dn\nprompt = no\n"
              "[dn]\nCN = vigia test CA\n"
              "[v3_ca]\nbasicConstraints = critical,CA:TRUE\n"
              "keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n");
    WriteFile(dir / "server.cnf",
              "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = localhost\n");
    WriteFile(dir / "server.ext",
              "basicConstraints = CA:FALSE\n"
              "keyUsage = critical,digitalSignature,keyEncipherment\n"
              "extendedKeyUsage = serverAuth\n"
              "subjectAltName = DNS:localhost,IP:127.0.0.1\n"
              "authorityKeyIdentifier = keyid,issuer\n");
    const std::string ec_key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    Run(dir, "openssl req -x509 " + ec_key +
                 " -keyout ca.key -out ca.pem -days 2 -config ca.cnf -extensions v3_ca");
    Run(dir,
        "openssl req -new " + ec_key + " -keyout server.key -out server.csr -config server.cnf");
    Run(dir,
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
        " -out server.pem -days 2 -extfile server.ext");
    certs = {dir / "ca.pem", dir / "server.pem", dir / "server.key"};
  }
  ~Holder() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  fs::path dir;
  TestCerts certs;
};

}  // namespace

const TestCerts& TestCerts::Get() {
  static const Holder holder;
  return holder.certs;
}

}  // namespace vigia::notifier::testing
