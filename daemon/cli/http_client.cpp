// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/http_client.h"

#include <cctype>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace vigia::cli {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

bool Unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string Seconds(std::chrono::milliseconds ms) {
  const auto s = ms.count() / 1000, rest = ms.count() % 1000;
  return rest ? std::to_string(ms.count()) + " ms" : std::to_string(s) + " s";
}

}  // namespace

Result<HttpUrl, std::string> ParseHttpUrl(std::string_view url) {
  HttpUrl out;
  out.text = std::string(url);
  auto lower_prefix = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(url[i])) != prefix[i]) return false;
    return true;
  };
  if (lower_prefix("https://"))
    return MakeError(std::string(
        "https is not supported: vigia speaks plain http to vigiad on loopback or to a local TLS "
        "terminator"));
  if (!lower_prefix("http://")) return MakeError(std::string("expected http://HOST[:PORT]"));
  std::string_view rest = url.substr(7);
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos)
    return MakeError(
        std::string("credentials in the URL are not supported; give the token with --token-file or "
                    "VIGIA_TOKEN"));
  if (path.find_first_of("?#") != std::string_view::npos ||
      authority.find_first_of("?#") != std::string_view::npos)
    return MakeError(std::string("expected no query or fragment in the URL"));
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return MakeError(std::string("unclosed '[' in the host"));
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return MakeError(std::string("expected ':PORT' after ']'"));
      port = after.substr(1);
      if (port.empty()) return MakeError(std::string("expected a port after ':'"));
    }
  } else {
    const size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return MakeError(std::string("expected a port after ':'"));
    }
  }
  if (out.host.empty()) return MakeError(std::string("expected a host after http://"));
  if (!port.empty()) {
    unsigned long value = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || value > 65535)
        return MakeError("bad port '" + std::string(port) + "'");
      value = value * 10 + static_cast<unsigned long>(c - '0');
    }
    if (value == 0 || value > 65535) return MakeError("bad port '" + std::string(port) + "'");
    out.port = static_cast<uint16_t>(value);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.prefix = std::string(path);
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (Unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    out += (out.empty() ? "?" : "&") + PercentEncode(name) + "=" + PercentEncode(value);
  }
  return out;
}

Result<HttpReply, HttpFailure> HttpClient::Send(HttpMethod method, std::string_view target,
                                                std::string body) const {
  // Beast's timeouts apply to asynchronous operations only: run the exchange as
  // a chain of handlers on a private io_context.
  try {
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(url_.host, std::to_string(url_.port), ec);
    if (ec)
      return MakeError(HttpFailure{false, "cannot resolve '" + url_.host + "': " + ec.message()});

    const bhttp::verb verb = method == HttpMethod::kPost     ? bhttp::verb::post
                             : method == HttpMethod::kDelete ? bhttp::verb::delete_
                                                             : bhttp::verb::get;
    bhttp::request<bhttp::string_body> request{verb, url_.prefix + std::string(target), 11};
    const bool ipv6 = url_.host.find(':') != std::string::npos;
    request.set(bhttp::field::host,
                (ipv6 ? "[" + url_.host + "]" : url_.host) + ":" + std::to_string(url_.port));
    request.set(bhttp::field::user_agent, "vigia-cli");
    request.set(bhttp::field::accept, "application/json");
    if (!token_.empty()) request.set(bhttp::field::authorization, "Bearer " + token_);
    if (method == HttpMethod::kPost || !body.empty()) {
      request.set(bhttp::field::content_type, "application/json");
      request.body() = std::move(body);
    }
    request.keep_alive(false);
    request.prepare_payload();

    beast::tcp_stream stream(ioc);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxReplyBody);
    std::optional<HttpFailure> failure;
    auto fail = [&](bool connected, const beast::error_code& e, const std::string& timeout_text) {
      failure = HttpFailure{connected, e == beast::error::timeout ? timeout_text : e.message()};
    };
    bool done = false;
    stream.expires_after(timeouts_.connect);
    stream.async_connect(endpoints, [&](const beast::error_code& e, const tcp::endpoint&) {
      if (e) return fail(false, e, "no connection within " + Seconds(timeouts_.connect));
      stream.expires_after(timeouts_.request);
      bhttp::async_write(stream, request, [&](const beast::error_code& e2, size_t) {
        if (e2) return fail(true, e2, "no reply within " + Seconds(timeouts_.request));
        bhttp::async_read(stream, buffer, parser, [&](const beast::error_code& e3, size_t) {
          if (e3 == bhttp::error::body_limit) {
            failure = HttpFailure{
                true, "the reply is over " + std::to_string(kMaxReplyBody >> 20) + " MiB"};
            return;
          }
          if (e3) return fail(true, e3, "no reply within " + Seconds(timeouts_.request));
          done = true;
        });
      });
    });
    ioc.run();
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    if (failure) return MakeError(std::move(*failure));
    if (!done) return MakeError(HttpFailure{true, "the exchange ended without a reply"});
    HttpReply reply;
    reply.status = parser.get().result_int();
    reply.body = std::move(parser.get().body());
    return reply;
  } catch (const std::exception& e) {
    // Allocation failures and the like: Beast reports I/O errors through codes.
    return MakeError(HttpFailure{false, e.what()});
  }
}

}  // namespace vigia::cli
