// SPDX-License-Identifier: Apache-2.0
// One TCP connection of the HTTP API: HTTP/1.1 requests with keep-alive, or,
// after an authorized GET /api/v1/stream, a Server-Sent Events stream that
// the server feeds with Send().
// Thread rules: the server's io_context thread only.
// Ownership: the server owns its sessions. A session never deletes itself: once
// it is closed and no operation of it is pending, it calls `finished`, and the
// server destroys it from a posted handler.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "daemon/http/api.h"

namespace vigia::daemon::http {

inline constexpr size_t kMaxHeader = 8 << 10;
// A client that sends nothing for this long (mid-request or idle between
// keep-alive requests) is disconnected.
inline constexpr std::chrono::seconds kReadTimeout{10};
// A write that takes longer than this (a client that does not read) drops it.
inline constexpr std::chrono::seconds kWriteTimeout{10};
// How long a connection that is being closed waits for the client's EOF.
inline constexpr std::chrono::seconds kLinger{2};
// SSE text not yet taken by the kernel beyond this drops the client, so that
// memory stays bounded and other clients are not held up.
inline constexpr size_t kMaxStreamBacklog = 1 << 20;
inline constexpr int kStreamSendBuffer = 64 << 10;

class Session {
 public:
  // `api` and `stats` must outlive the session.
  Session(boost::asio::ip::tcp::socket socket, Api& api, HttpStats& stats,
          std::function<void(Session*)> finished);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts reading the first request.
  void Start();

  // True once the connection is an SSE stream.
  bool streaming() const { return streaming_ && !closed_; }
  // The hash of the token that opened the stream (when streaming()).
  const Sha256& stream_token() const { return stream_token_; }

  // SSE: queues `text` (whole SSE events or comments) for the client. A client
  // whose backlog would exceed kMaxStreamBacklog is dropped (counted).
  void Send(std::string_view text);

  // Closes the connection; pending operations complete with errors, then
  // `finished` is called. Idempotent.
  void Close();

 private:
  void ReadHeader();
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnBody(boost::beast::error_code ec);
  void OnReadError(boost::beast::error_code ec);
  void Dispatch();
  void Reply(ApiResponse response, bool keep_alive);
  void OnReplied(boost::beast::error_code ec, bool keep_alive);
  void Linger();
  void LingerRead();
  void StartStream();
  void WriteStream();
  void OnStreamWritten(boost::beast::error_code ec);
  // Counts a completed operation; true when the session may go on.
  bool Completed();
  void MaybeFinish();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  Api& api_;
  HttpStats& stats_;
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

}  // namespace vigia::daemon::http
