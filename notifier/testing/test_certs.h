// SPDX-License-Identifier: Apache-2.0
// A throwaway CA and a server certificate for "localhost" and 127.0.0.1, made
// with the `openssl` command line tool into a temporary folder, for TLS tests.
#pragma once

#include <filesystem>

namespace vigia::notifier::testing {

struct TestCerts {
  std::filesystem::path ca_file;    // the CA's certificate (PEM): a receiver's ca_file
  std::filesystem::path cert_file;  // the server's certificate (PEM), signed by the CA
  std::filesystem::path key_file;   // the server's private key (PEM)

  // Made on first use, once per process, and removed at exit. Throws
  // std::runtime_error (with openssl's output) when `openssl` fails.
  static const TestCerts& Get();
};

}  // namespace vigia::notifier::testing
