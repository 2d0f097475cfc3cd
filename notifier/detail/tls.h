// SPDX-License-Identifier: Apache-2.0
// TLS for receivers (OpenSSL through Asio): a client context that verifies the
// peer against the system trust store or a receiver's `ca_file`, the handshake
// with SNI and host name verification, and what a failure means.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "core/result.h"
#include "notifier/detail/attempt.h"
#include "notifier/detail/url.h"

namespace vigia::notifier::detail {

namespace ssl = boost::asio::ssl;
using TlsStream = ssl::stream<tcp::socket&>;

// TLS 1.2 or later, verify_peer, trusting `ca_file` when set, else the
// system's default store. The error never quotes file contents.
Result<std::unique_ptr<ssl::context>, std::string> MakeTlsContext(
    const std::filesystem::path& ca_file);

// Client handshake on `stream` for the URL's host: SNI (host names only, not
// IP literals) and the certificate must name the host (DNS or IP SAN).
// nullopt on success. REQUIRES: the stream's socket is watched by `guard`.
net::awaitable<std::optional<AttemptResult>> TlsHandshake(TlsStream& stream, const Url& url,
                                                          AttemptGuard& guard);

// True for OpenSSL's "certificate verify failed" (untrusted chain, expired,
// wrong host name): retrying cannot fix it.
bool IsCertificateVerifyFailure(const boost::system::error_code& ec);

}  // namespace vigia::notifier::detail
