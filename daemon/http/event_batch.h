// SPDX-License-Identifier: Apache-2.0
// Splits the body of POST /api/v1/events into the texts of its events, without
// reinterpreting them: each element goes to the one event decoder verbatim, so
// that numbers keep the text they were written with and duplicate keys, depth
// and size are judged exactly as on ZeroMQ. Pure functions; no state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vigia::daemon::http {

struct EventBatch {
  bool is_array = false;               // the body was a JSON array
  std::vector<std::string_view> items;  // views into the body
  // Set when the body starts as an array but its structure is broken
  // (unterminated, a missing comma, a trailing comma, ...): the whole body is
  // then malformed_json, with `error_offset` the byte offset.
  std::string error;
  size_t error_offset = 0;
};

// A body whose first non-blank byte is not '[' is one event (items = {body}).
// Otherwise the top-level elements are found by tracking strings and
// brackets; the elements themselves are not validated here.
EventBatch SplitEvents(std::string_view body);

}  // namespace vigia::daemon::http
