// SPDX-License-Identifier: Apache-2.0
#include "daemon/http/session.h"

#include <cstdio>

#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace vigia::daemon::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

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

void AppendChunk(std::string& out, std::string_view data) {
  char size[20];
  const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  out.append(size, static_cast<size_t>(n));
  out.append(data);
  out.append("\r\n");
}

}  // namespace

Session::Session(net::ip::tcp::socket socket, Api& api, HttpStats& stats,
                 std::function<void(Session*)> finished)
    : stream_(std::move(socket)), api_(api), stats_(stats), finished_(std::move(finished)) {}

void Session::Start() { ReadHeader(); }

bool Session::Completed() {
  --pending_;
  if (!closed_) return true;
  MaybeFinish();
  return false;
}

void Session::MaybeFinish() {
  if (closed_ && pending_ == 0 && !finish_reported_) {
    finish_reported_ = true;
    finished_(this);
  }
}

void Session::Close() {
  if (closed_) return;
  closed_ = true;
  if (streaming_) --stats_.stream_clients;
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  stream_.close();
  MaybeFinish();
}

void Session::ReadHeader() {
  parser_.emplace();
  parser_->header_limit(kMaxHeader);
  parser_->body_limit(kMaxEventsBody);  // narrowed per route once the target is known
  stream_.expires_after(kReadTimeout);
  ++pending_;
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [this](beast::error_code ec, size_t) { OnHeader(ec); });
}

void Session::OnHeader(beast::error_code ec) {
  if (!Completed()) return;
  if (ec) return OnReadError(ec);
  const Request& request = parser_->get();
  const size_t limit = BodyLimitFor(request.target());
  // Beast checks a Content-Length against the limit while parsing the header,
  // so a smaller per-route limit is checked here; body_limit covers chunked bodies.
  if (auto length = parser_->content_length(); length && *length > limit)
    return Reply(api_.TooLarge(request, *length), false);
  parser_->body_limit(limit);
  if (parser_->is_done()) return Dispatch();
  if (beast::iequals(request[bhttp::field::expect], "100-continue")) {
    // curl and others wait for this before sending a body of more than 1 KiB.
    stream_.expires_after(kWriteTimeout);
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

void Session::ReadBody() {
  stream_.expires_after(kReadTimeout);
  ++pending_;
  bhttp::async_read(stream_, buffer_, *parser_,
                    [this](beast::error_code ec, size_t) { OnBody(ec); });
}

void Session::OnBody(beast::error_code ec) {
  if (!Completed()) return;
  if (ec) return OnReadError(ec);
  Dispatch();
}

void Session::OnReadError(beast::error_code ec) {
  // After any read error the connection is closed: the request boundary is lost.
  if (ec == bhttp::error::header_limit) return Reply(ErrorResponse(431, "request header too large"), false);
  if (ec == bhttp::error::body_limit) return Reply(api_.TooLarge(parser_->get(), 0), false);
  if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
      ec == net::error::connection_reset || ec == net::error::operation_aborted ||
      ec == bhttp::error::partial_message)
    return Close();
  Reply(ErrorResponse(400, "malformed HTTP request"), false);
}

void Session::Dispatch() {
  const Request& request = parser_->get();
  ApiResponse response = api_.Handle(request);
  if (response.stream) {
    if (request.version() < 11) return Reply(ErrorResponse(505, "the stream needs HTTP/1.1"), false);
    stream_token_ = response.stream_token;
    return StartStream();
  }
  Reply(std::move(response), request.keep_alive());
}

void Session::Reply(ApiResponse response, bool keep_alive) {
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
  stream_.expires_after(kWriteTimeout);
  ++pending_;
  bhttp::async_write(stream_, response_, [this, keep_alive](beast::error_code ec, size_t) {
    OnReplied(ec, keep_alive);
  });
}

void Session::OnReplied(beast::error_code ec, bool keep_alive) {
  if (!Completed()) return;
  response_ = {};  // a large body need not stay in memory while the client idles
  if (ec) return Close();
  if (!keep_alive) return Linger();
  ReadHeader();
}

void Session::Linger() {
  // Closing a socket with unread input makes the kernel send a reset, which
  // can destroy the answer (a 413, say) before the client reads it. So: end
  // our side, discard what the client still sends, and close at its EOF or
  // after kLinger.
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(kLinger);  // one deadline for all the reads below
  LingerRead();
}

void Session::LingerRead() {
  ++pending_;
  stream_.async_read_some(net::buffer(sink_), [this](beast::error_code ec, size_t n) {
    if (!Completed()) return;
    lingered_ += n;
    if (ec || lingered_ > kMaxEventsBody) return Close();
    LingerRead();
  });
}

void Session::StartStream() {
  streaming_ = true;
  ++stats_.stream_clients;
  ++stats_.responses[200];
  parser_.reset();
  // A fixed kernel send buffer (no autotuning up to megabytes) keeps what a
  // client that does not read can hold on this host near kMaxStreamBacklog.
  beast::error_code ignored;
  stream_.socket().set_option(net::socket_base::send_buffer_size(kStreamSendBuffer), ignored);
  // A streaming client sends nothing more; this read only notices when it goes
  // away, without waiting for the next keep-alive write to fail. It has no
  // timeout; later expires_after() calls then arm the write timer only.
  stream_.expires_never();
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

void Session::Send(std::string_view text) {
  if (!streaming_ || closed_) return;
  if (out_.size() + backlog_.size() + text.size() > kMaxStreamBacklog) {
    ++stats_.stream_dropped;
    return Close();
  }
  AppendChunk(backlog_, text);
  if (!writing_) WriteStream();
}

void Session::WriteStream() {
  out_.swap(backlog_);
  backlog_.clear();
  writing_ = true;
  stream_.expires_after(kWriteTimeout);
  ++pending_;
  net::async_write(stream_, net::buffer(out_),
                   [this](beast::error_code ec, size_t) { OnStreamWritten(ec); });
}

void Session::OnStreamWritten(beast::error_code ec) {
  writing_ = false;
  if (!Completed()) return;
  if (ec) {
    if (ec == beast::error::timeout) ++stats_.stream_dropped;
    return Close();
  }
  out_.clear();
  if (!backlog_.empty()) WriteStream();
}

}  // namespace vigia::daemon::http
