// SPDX-License-Identifier: Apache-2.0
// A small synchronous HTTP/1.1 client of vigiad's API for the e2e tests (Boost.Beast):
// one request per connection with an optional bearer token, a raw TCP connection for
// idle, half-sent and garbage requests, and a reader of the Server-Sent Events stream
// (/api/v1/stream). Loopback only. Every call takes a timeout; a timeout or a closed
// connection is reported (status 0, `error`), never a hang.
//
// Thread rules: an object is used by one thread. Each owns its io_context and socket.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "zmq_clients.h"  // Ms, literals

namespace vigia::e2e {

struct HttpReply {
  unsigned status = 0;  // 0: no response; `error` says why
  std::string error;    // "connect: ...", "timeout", "read: end of stream", ...
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The value of the first header named `name` (case-insensitive); "" when absent.
  std::string Header(std::string_view name) const;
  // The body parsed as JSON; null when it is not JSON.
  boost::json::value JsonBody() const;
  // The body's object; empty when the body is not a JSON object.
  boost::json::object Object() const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  std::string token;  // "Authorization: Bearer <token>" when not empty
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given, after the others
};

// Sends `request` to 127.0.0.1:`port` on a new connection and reads the answer,
// within `timeout` in all.
HttpReply Http(uint16_t port, const HttpRequest& request, Ms timeout = 10s);
HttpReply Get(uint16_t port, std::string_view target, std::string_view token = "",
              Ms timeout = 10s);
HttpReply Post(uint16_t port, std::string_view target, std::string_view token,
               std::string_view body, Ms timeout = 10s);
HttpReply Delete(uint16_t port, std::string_view target, std::string_view token = "",
                 Ms timeout = 10s);

// A plain TCP connection to 127.0.0.1:port that sends what it is given.
class RawConnection {
 public:
  // Connects, failing the test after 5 s.
  explicit RawConnection(uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // False when the bytes could not all be written within `timeout`.
  bool Send(std::string_view bytes, Ms timeout = 5s);

  struct Received {
    std::string bytes;    // everything read
    bool closed = false;  // the peer closed (EOF or reset) before the timeout
  };
  // Reads until the peer closes the connection or `timeout` passes.
  Received ReadUntilClosed(Ms timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct SseEvent {
  std::string event;  // the `event:` field; "message" when absent (as EventSource has it)
  std::string data;   // the `data:` lines joined by '\n'
};

// GET /api/v1/stream: the response head, then one SSE event at a time.
class SseClient {
 public:
  // Connects, sends the request with `token` (none when empty) and reads the
  // response head, all within `timeout`. On 200 it also waits (within the same
  // timeout) for the server's first comment, ": connected", after which every
  // published alert and update reaches this client. On another status the
  // response body is read into head().body.
  SseClient(uint16_t port, std::string_view token, Ms timeout = 10s);
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  // The response head (status 0 when none came in time).
  const HttpReply& head() const;
  unsigned status() const { return head().status; }
  // True once ": connected" was read.
  bool connected() const;

  // The next event, skipping comments (keep-alives); nullopt when none comes
  // within `timeout` or the stream ended. A timeout leaves the stream usable.
  std::optional<SseEvent> Next(Ms timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigia::e2e
