// SPDX-License-Identifier: Apache-2.0
#include "daemon/http/session.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <type_traits>

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace vigia::daemon::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;

using PlainStream = beast::tcp_stream;
using TlsStream = ssl::stream<beast::tcp_stream>;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// Chunked, so that proxies and EventSource see a well-framed HTTP/1.1 body
// that never ends; no-store so that nothing caches a stream of alerts.
constexpr std::string_view kStreamHeader =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream\r\n"
    "Cache-Control: no-store\r\n"
    "X-Accel-Buffering: no\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n";
// What a client that speaks plain HTTP to the HTTPS port gets (as nginx does),
// rather than a connection closed without a word.
constexpr std::string_view kPlainToTls =
    "HTTP/1.1 400 Bad Request\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 45\r\n"
    "Connection: close\r\n"
    "\r\n"
    "{\"error\":\"this port speaks HTTPS, not HTTP\"}\n";

void AppendChunk(std::string& out, std::string_view data) {
  char size[20];
  const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  out.append(size, static_cast<size_t>(n));
  out.append(data);
  out.append("\r\n");
}

template <class Stream>
class BasicSession final : public Session {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  BasicSession(net::ip::tcp::socket socket, ssl::context* tls, Api& api, HttpStats& stats,
               const SessionTimeouts& timeouts, std::function<void(Session*)> finished)
      : stream_(MakeStream(std::move(socket), tls)),
        api_(api),
        stats_(stats),
        timeouts_(timeouts),
        finished_(std::move(finished)) {}

  void Start() override;
  bool streaming() const override { return streaming_ && !closed_; }
  const Sha256& stream_token() const override { return stream_token_; }
  void Send(std::string_view text) override;
  void Close() override;

 private:
  static Stream MakeStream(net::ip::tcp::socket socket, ssl::context* tls) {
    if constexpr (kTls) return Stream(std::move(socket), *tls);
    else return Stream(std::move(socket));
  }
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void OnHandshake(beast::error_code ec);
  void ReadHeader();
  void OnHeader(beast::error_code ec);
  void ReadBody();
  void OnBody(beast::error_code ec);
  void OnReadError(beast::error_code ec);
  void Dispatch();
  void Reply(ApiResponse response, bool keep_alive);
  void OnReplied(beast::error_code ec, bool keep_alive);
  void Linger();
  void LingerRead();
  void StartStream();
  void WriteStream();
  void OnStreamWritten(beast::error_code ec);
  // Counts a completed operation; true when the session may go on.
  bool Completed();
  void MaybeFinish();

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  Api& api_;
  HttpStats& stats_;
  SessionTimeouts timeouts_;
  std::function<void(Session*)> finished_;
  int pending_ = 0;  // asynchronous operations started and not completed
  bool closed_ = false, finish_reported_ = false;

  bool streaming_ = false, writing_ = false;
  Sha256 stream_token_{};
  std::string backlog_;  // SSE text not yet handed to a write
  std::string out_;      // the bytes of the write in flight
  // What a streaming or closing client still sends, discarded.
  std::array<char, 4096> sink_{};
  size_t lingered_ = 0;
};

template <class Stream>
void BasicSession<Stream>::Start() {
  if constexpr (kTls) {
    tcp().expires_after(timeouts_.read);
    ++pending_;
    stream_.async_handshake(ssl::stream_base::server,
                            [this](beast::error_code ec) { OnHandshake(ec); });
  } else {
    ReadHeader();
  }
}

template <class Stream>
void BasicSession<Stream>::OnHandshake(beast::error_code ec) {
  if (!Completed()) return;
  if (!ec) return ReadHeader();
  // A plain HTTP request on the HTTPS port: say so in plain HTTP, then close.
  if (ec.category() == net::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST) {
    ++stats_.responses[400];
    tcp().expires_after(timeouts_.write);
    ++pending_;
    net::async_write(tcp(), net::buffer(kPlainToTls.data(), kPlainToTls.size()),
                     [this](beast::error_code, size_t) {
                       if (!Completed()) return;
                       Close();
                     });
    return;
  }
  Close();  // not TLS, no common protocol, a bad client certificate or a timeout
}

template <class Stream>
bool BasicSession<Stream>::Completed() {
  --pending_;
  if (!closed_) return true;
  MaybeFinish();
  return false;
}

template <class Stream>
void BasicSession<Stream>::MaybeFinish() {
  if (closed_ && pending_ == 0 && !finish_reported_) {
    finish_reported_ = true;
    finished_(this);
  }
}

template <class Stream>
void BasicSession<Stream>::Close() {
  if (closed_) return;
  closed_ = true;
  if (streaming_) --stats_.stream_clients;
  beast::error_code ec;
  tcp().socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  tcp().close();
  MaybeFinish();
}

template <class Stream>
void BasicSession<Stream>::ReadHeader() {
  parser_.emplace();
  parser_->header_limit(kMaxHeader);
  parser_->body_limit(kMaxEventsBody);  // narrowed per route once the target is known
  // One deadline for the whole header, however it trickles in.
  tcp().expires_after(timeouts_.read);
  ++pending_;
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [this](beast::error_code ec, size_t) { OnHeader(ec); });
}

template <class Stream>
void BasicSession<Stream>::OnHeader(beast::error_code ec) {
  if (!Completed()) return;
  if (ec) return OnReadError(ec);
  const Request& request = parser_->get();
  if (request.target().size() > kMaxTarget)
    return Reply(ErrorResponse(414, "request target too long"), false);
  const size_t limit = BodyLimitFor(request.target());
  // Beast checks a Content-Length against the limit while parsing the header,
  // so a smaller per-route limit is checked here; body_limit covers chunked bodies.
  if (auto length = parser_->content_length(); length && *length > limit)
    return Reply(api_.TooLarge(request, *length), false);
  parser_->body_limit(limit);
  if (parser_->is_done()) return Dispatch();
  if (beast::iequals(request[bhttp::field::expect], "100-continue")) {
    // curl and others wait for this before sending a body of more than 1 KiB.
    tcp().expires_after(timeouts_.write);
    ++pending_;
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [this](beast::error_code ec2, size_t) {
                       if (!Completed()) return;
                       if (ec2) return Close();
                       ReadBody();
                     });
    return;
  }
  ReadBody();
}

template <class Stream>
void BasicSession<Stream>::ReadBody() {
  tcp().expires_after(timeouts_.read);
  ++pending_;
  bhttp::async_read(stream_, buffer_, *parser_,
                    [this](beast::error_code ec, size_t) { OnBody(ec); });
}

template <class Stream>
void BasicSession<Stream>::OnBody(beast::error_code ec) {
  if (!Completed()) return;
  if (ec) return OnReadError(ec);
  Dispatch();
}

template <class Stream>
void BasicSession<Stream>::OnReadError(beast::error_code ec) {
  // After any read error the connection is closed: the request boundary is lost.
  if (ec == bhttp::error::header_limit) return Reply(ErrorResponse(431, "request header too large"), false);
  if (ec == bhttp::error::body_limit) return Reply(api_.TooLarge(parser_->get(), 0), false);
  if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
      ec == net::error::connection_reset || ec == net::error::operation_aborted ||
      ec == bhttp::error::partial_message || ec == ssl::error::stream_truncated ||
      ec.category() == net::error::get_ssl_category())
    return Close();
  Reply(ErrorResponse(400, "malformed HTTP request"), false);
}

template <class Stream>
void BasicSession<Stream>::Dispatch() {
  const Request& request = parser_->get();
  ApiResponse response = api_.Handle(request);
  if (response.reload) {
    // The reload runs off this thread, so other connections are served
    // meanwhile. Its answer counts as a pending operation: a session closed
    // in between is destroyed only after it arrived.
    ++pending_;
    return api_.Reload([this, keep_alive = request.keep_alive()](ApiResponse answer) {
      if (!Completed()) return;
      Reply(std::move(answer), keep_alive);
    });
  }
  if (response.stream) {
    if (request.version() < 11) return Reply(ErrorResponse(505, "the stream needs HTTP/1.1"), false);
    stream_token_ = response.stream_token;
    return StartStream();
  }
  Reply(std::move(response), request.keep_alive());
}

template <class Stream>
void BasicSession<Stream>::Reply(ApiResponse response, bool keep_alive) {
  ++stats_.responses[response.status];
  response_ = {};
  response_.version(11);
  response_.result(response.status);
  response_.set(bhttp::field::content_type, response.content_type);
  response_.set(bhttp::field::cache_control, "no-store");
  for (const auto& [name, value] : response.headers) response_.set(name, value);
  response_.body() = std::move(response.body);
  response_.keep_alive(keep_alive);
  response_.prepare_payload();
  tcp().expires_after(timeouts_.write);
  ++pending_;
  bhttp::async_write(stream_, response_, [this, keep_alive](beast::error_code ec, size_t) {
    OnReplied(ec, keep_alive);
  });
}

template <class Stream>
void BasicSession<Stream>::OnReplied(beast::error_code ec, bool keep_alive) {
  if (!Completed()) return;
  response_ = {};  // a large body need not stay in memory while the client idles
  if (ec) return Close();
  if (!keep_alive) return Linger();
  ReadHeader();
}

template <class Stream>
void BasicSession<Stream>::Linger() {
  // Closing a socket with unread input makes the kernel send a reset, which
  // can destroy the answer (a 413, say) before the client reads it. So: end
  // our side, discard what the client still sends, and close at its EOF or
  // after the linger time.
  tcp().expires_after(timeouts_.linger);  // one deadline for all the reads below
  if constexpr (kTls) {
    // TLS ends our side with a close_notify; async_shutdown then waits for the
    // client's (or its EOF, or an error when it still sends data).
    ++pending_;
    stream_.async_shutdown([this](beast::error_code) {
      if (!Completed()) return;
      Close();
    });
  } else {
    beast::error_code ignored;
    tcp().socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    LingerRead();
  }
}

template <class Stream>
void BasicSession<Stream>::LingerRead() {
  ++pending_;
  stream_.async_read_some(net::buffer(sink_), [this](beast::error_code ec, size_t n) {
    if (!Completed()) return;
    lingered_ += n;
    if (ec || lingered_ > kMaxEventsBody) return Close();
    LingerRead();
  });
}

template <class Stream>
void BasicSession<Stream>::StartStream() {
  streaming_ = true;
  ++stats_.stream_clients;
  ++stats_.responses[200];
  parser_.reset();
  // A fixed kernel send buffer (no autotuning up to megabytes) keeps what a
  // client that does not read can hold on this host near kMaxStreamBacklog.
  beast::error_code ignored;
  tcp().socket().set_option(net::socket_base::send_buffer_size(kStreamSendBuffer), ignored);
  // A streaming client sends nothing more; this read only notices when it goes
  // away, without waiting for the next keep-alive write to fail. It has no
  // timeout; later expires_after() calls then arm the write timer only.
  // (An SSL stream allows one read and one write in flight at once.)
  tcp().expires_never();
  ++pending_;
  stream_.async_read_some(net::buffer(sink_), [this](beast::error_code ec, size_t) {
    if (!Completed()) return;
    // A write timeout closes the socket under both operations; the write's
    // handler then tells a dropped client from one that left.
    if (ec && writing_) return;
    Close();
  });
  backlog_.assign(kStreamHeader);
  // A first comment tells the client that it is subscribed: what is published
  // from now on reaches it.
  AppendChunk(backlog_, ": connected\n\n");
  WriteStream();
}

template <class Stream>
void BasicSession<Stream>::Send(std::string_view text) {
  if (!streaming_ || closed_) return;
  if (out_.size() + backlog_.size() + text.size() > kMaxStreamBacklog) {
    ++stats_.stream_dropped;
    return Close();
  }
  AppendChunk(backlog_, text);
  if (!writing_) WriteStream();
}

template <class Stream>
void BasicSession<Stream>::WriteStream() {
  out_.swap(backlog_);
  backlog_.clear();
  writing_ = true;
  tcp().expires_after(timeouts_.write);
  ++pending_;
  net::async_write(stream_, net::buffer(out_),
                   [this](beast::error_code ec, size_t) { OnStreamWritten(ec); });
}

template <class Stream>
void BasicSession<Stream>::OnStreamWritten(beast::error_code ec) {
  writing_ = false;
  if (!Completed()) return;
  if (ec) {
    if (ec == beast::error::timeout) ++stats_.stream_dropped;
    return Close();
  }
  out_.clear();
  if (!backlog_.empty()) WriteStream();
}

}  // namespace

std::unique_ptr<Session> MakeSession(net::ip::tcp::socket socket, ssl::context* tls, Api& api,
                                     HttpStats& stats, const SessionTimeouts& timeouts,
                                     std::function<void(Session*)> finished) {
  if (tls)
    return std::make_unique<BasicSession<TlsStream>>(std::move(socket), tls, api, stats, timeouts,
                                                     std::move(finished));
  return std::make_unique<BasicSession<PlainStream>>(std::move(socket), nullptr, api, stats,
                                                     timeouts, std::move(finished));
}

}  // namespace vigia::daemon::http
