// SPDX-License-Identifier: Apache-2.0
// The one parser and validator of events (shared/spec/events.md), used by every
// way in: ZeroMQ, HTTP, files, `vigia test`. simdjson on-demand, straight into
// Event. Never throws, never logs: the caller counts and rate-limits.
// Thread rules: an EventDecoder is used by one thread at a time (it owns its
// parser and buffers); make one per connector thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/catalog.h"
#include "core/event.h"
#include "core/result.h"

namespace vigia {

enum class ErrorCode : uint8_t {
  kMalformedJson,
  kInvalidEvent,
  kUnknownRegion,
  kUnknownGroup,
  kTooLarge,
  kFutureEvent,
  kDuplicateConflict,
  kUnauthorized,
  kOverloaded,
};
inline constexpr size_t kErrorCodeCount = 9;
std::string_view ToString(ErrorCode code);  // "malformed_json", ...

struct EventError {
  ErrorCode code = ErrorCode::kInvalidEvent;
  std::string id;       // the event's id when it could be read, else empty
  std::string field;    // the first offending field (invalid_event), else empty
  std::string message;  // for people; never echoes more than 64 bytes of input
};

// {"accepted":"ID"} or {"accepted":"ID","duplicate":true}
std::string RenderAccepted(std::string_view id, bool duplicate);
// {"error":{"code":...,"id":...,"field":...,"message":...}} ("id"/"field" only when set)
std::string RenderError(const EventError& error);

struct DecodeLimits {
  size_t max_message = 64 * 1024;  // bytes; beyond: too_large
  int max_depth = 8;               // nesting of arrays/objects; beyond: too_large
};

class EventDecoder {
 public:
  // `catalogs` must outlive the decoder.
  EventDecoder(const Catalogs& catalogs, DecodeLimits limits);
  ~EventDecoder();
  EventDecoder(const EventDecoder&) = delete;
  EventDecoder& operator=(const EventDecoder&) = delete;

  // Parses and validates one event. Checks, in order: size and depth
  // (too_large), JSON syntax (malformed_json, with the byte offset), each field
  // of the table in events.md (invalid_event naming the field; unknown top-level
  // fields; type "alert"), region and groups against the catalogs. Does not check
  // future_event, duplicates or authorization (the caller's context).
  // `category_known` (optional) is set to false when the category is outside the
  // taxonomy (accepted; the caller counts it).
  Result<Event, EventError> Decode(std::string_view json, bool* category_known = nullptr);

  const Catalogs& catalogs() const { return *catalogs_; }
  // Validates against other catalogs from now on (a reload). `catalogs` must
  // outlive the decoder or the next call.
  void SetCatalogs(const Catalogs& catalogs) { catalogs_ = &catalogs; }

 private:
  struct Impl;
  const Catalogs* catalogs_;
  DecodeLimits limits_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigia
