// SPDX-License-Identifier: Apache-2.0
// The decoder's fast path: one walk over a simdjson on-demand document, straight
// into an Event, checking the form of every field of the table in events.md.
// Catalog membership is checked by the caller afterwards.
#pragma once

#include <simdjson.h>

#include "core/event.h"
#include "core/event_decoder.h"

namespace vigia::detail {

// The deepest nesting ReadEvent accepts: the event object, attrs, an array in it.
inline constexpr int kEventDepth = 3;

enum class ReadStatus {
  kOk,         // the whole document was read and is a well-formed event
  kInvalid,    // a field breaks a rule; `error` says which (the rest wasn't read)
  kJsonError,  // simdjson reported an error; `json_error` holds it
};

struct ReadOutput {
  ReadStatus status = ReadStatus::kOk;
  EventError error;  // kInvalid: code kInvalidEvent, field, message
  simdjson::error_code json_error = simdjson::SUCCESS;
  bool complete = false;  // the document was read to its end (so it is valid JSON)
  bool category_known = true;
};

// Reads `doc` into `event`. kOk also means the document ended after the object.
// Never throws.
void ReadEvent(simdjson::ondemand::document& doc, const Catalog& taxonomy, Event& event,
               ReadOutput& out);

// The id rule: 1-128 characters, printable ASCII.
bool IsValidId(std::string_view id);

}  // namespace vigia::detail
