// SPDX-License-Identifier: Apache-2.0
#include "notifier/detail/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace vigia::notifier::detail {

Result<std::unique_ptr<ssl::context>, std::string> MakeTlsContext(
    const std::filesystem::path& ca_file) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) return MakeError(std::string("TLS: cannot load the system trust store"));
  } else {
    context->load_verify_file(ca_file.string(), ec);
    if (ec) return MakeError(std::string("TLS: cannot load ca_file"));
  }
  return context;
}

net::awaitable<std::optional<AttemptResult>> TlsHandshake(TlsStream& stream, const Url& url,
                                                          AttemptGuard& guard) {
  SSL* ssl = stream.native_handle();
  // The host name check is OpenSSL's own (X509_VERIFY_PARAM), so a mismatch is
  // reported as a verify failure like an untrusted chain.
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  bool set = false;
  if (url.host_is_ip()) {
    set = X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str()) == 1;
  } else {
    set = X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), url.host.size()) == 1 &&
          SSL_set_tlsext_host_name(ssl, url.host.c_str()) == 1;
  }
  if (!set) co_return AttemptResult{false, true, "TLS: cannot set the expected host name"};
  auto [ec] =
      co_await stream.async_handshake(ssl::stream_base::client, net::as_tuple(net::use_awaitable));
  if (!ec && !guard.over()) co_return std::nullopt;
  if (IsCertificateVerifyFailure(ec)) {
    // The reason is for the debug log only: the detail stays stable.
    spdlog::debug("notifier.tls_verify_failed host_is_ip={} reason=\"{}\"", url.host_is_ip(),
                  X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
  }
  co_return IoFailure("TLS", ec, guard);
}

bool IsCertificateVerifyFailure(const boost::system::error_code& ec) {
  return ec.category() == net::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

}  // namespace vigia::notifier::detail
