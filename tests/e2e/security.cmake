# SPDX-License-Identifier: Apache-2.0
# Security end to end (included from tests/e2e/CMakeLists.txt): CurveZMQ on the
# ingest sockets and the alert stream ([curve]): ZAP admission, per-client
# source/region permissions, revocation with SIGHUP, `vigia keygen` with
# `vigia push --client-key`. HTTPS cases may join the same executable.
vigia_add_test(security_e2e_test
  SOURCES daemon_fixture.cpp zmq_clients.cpp http_client.cpp security_e2e_test.cpp tls_e2e_test.cpp privacy_e2e_test.cpp
  LIBS PkgConfig::ZMQ Boost::headers Boost::json OpenSSL::SSL OpenSSL::Crypto Threads::Threads
)
target_compile_definitions(security_e2e_test PRIVATE VIGIA_VIGIAD="$<TARGET_FILE:vigiad>"
                                                     VIGIA_VIGIA="$<TARGET_FILE:vigia>")
add_dependencies(security_e2e_test vigiad vigia)
