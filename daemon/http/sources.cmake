# SPDX-License-Identifier: Apache-2.0
# daemon/http: the HTTP API on Boost.Beast (server.h, tokens.h). Included by
# daemon/CMakeLists.txt; paths are relative to daemon/. Suggested wiring:
#   add_library(vigia_http STATIC ${VIGIA_HTTP_SOURCES})
#   target_link_libraries(vigia_http PUBLIC ${VIGIA_HTTP_LIBS})
#   vigia_add_test(http_test SOURCES ${VIGIA_HTTP_TESTS} LIBS vigia_http)
set(VIGIA_HTTP_SOURCES
  http/api.cpp
  http/core_client.cpp
  http/event_batch.cpp
  http/server.cpp
  http/session.cpp
  http/tokens.cpp
)
# Boost.Beast and Asio are header-only (Boost::headers); the core's sockets
# and constants come from vigia_daemon_core.
set(VIGIA_HTTP_LIBS vigia_daemon_core vigia_connectors Boost::headers Boost::json OpenSSL::SSL OpenSSL::Crypto
    yaml-cpp Threads::Threads)
set(VIGIA_HTTP_TESTS
  http/event_batch_test.cpp
  http/server_test.cpp
  http/server_tls_test.cpp
  http/tokens_test.cpp
)
