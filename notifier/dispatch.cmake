# SPDX-License-Identifier: Apache-2.0
# dispatch: sending rendered notifications (dispatcher.h) on the dispatcher's
# own thread and io_context: webhook and Alertmanager over HTTP(S), email over
# SMTP, JSON Lines files. detail/: url → attempt (deadline, connect) → tls →
# http_post | smtp (over mime) | file_append. Asio, Beast and their coroutines
# stay in the .cpp files.
add_library(vigia_notifier_dispatch STATIC
  dispatcher.cpp
  detail/attempt.cpp
  detail/file_append.cpp
  detail/http_post.cpp
  detail/mime.cpp
  detail/smtp.cpp
  detail/tls.cpp
  detail/url.cpp
)
target_link_libraries(vigia_notifier_dispatch
  PUBLIC vigia_core vigia_config
  PRIVATE Boost::headers OpenSSL::SSL OpenSSL::Crypto spdlog::spdlog Threads::Threads)
# GCC 12 takes the operator delete of Asio's coroutine frames for a mismatch
# when it inlines their operator new (seen with the sanitizers at -O2): a false
# positive (GCC bug 100485); Asio allocates and frees the frames itself.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(vigia_notifier_dispatch PRIVATE -Wno-mismatched-new-delete)
endif()

if(VIGIA_TESTS)
  # Local HTTP(S) and SMTP servers and a test CA (made with the openssl CLI).
  add_library(vigia_notifier_testing STATIC
    testing/http_sink.cpp
    testing/smtp_sink.cpp
    testing/test_certs.cpp
  )
  target_link_libraries(vigia_notifier_testing
    PUBLIC vigia_core Boost::headers OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
  vigia_add_test(dispatcher_test
    SOURCES dispatcher_test.cpp detail/mime_test.cpp detail/url_test.cpp
    LIBS vigia_notifier_dispatch vigia_notifier_testing spdlog::spdlog)
endif()
