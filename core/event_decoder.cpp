// SPDX-License-Identifier: Apache-2.0
// Decode = limits → simdjson on-demand walk (detail/event_reader) → catalogs.
// The walk validates only what it reads and stops at the first bad field, so
// whenever it stops early the strict syntax checker (detail/json_syntax) decides
// whether the message is malformed JSON at all: a syntax error anywhere wins
// over a field error, as the order of checks in events.md requires.
#include "core/event_decoder.h"

#include <simdjson.h>

#include <cstring>
#include <vector>

#include "core/detail/event_reader.h"
#include "core/detail/json_syntax.h"
#include "core/detail/json_text.h"
#include "core/detail/text_checks.h"

namespace vigia {

std::string_view ToString(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformedJson:
      return "malformed_json";
    case ErrorCode::kInvalidEvent:
      return "invalid_event";
    case ErrorCode::kUnknownRegion:
      return "unknown_region";
    case ErrorCode::kUnknownGroup:
      return "unknown_group";
    case ErrorCode::kTooLarge:
      return "too_large";
    case ErrorCode::kFutureEvent:
      return "future_event";
    case ErrorCode::kDuplicateConflict:
      return "duplicate_conflict";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kOverloaded:
      return "overloaded";
  }
  return "unknown";
}

std::string RenderAccepted(std::string_view id, bool duplicate) {
  std::string out = "{\"accepted\":";
  detail::AppendJsonString(out, id);
  if (duplicate) out.append(",\"duplicate\":true");
  out.push_back('}');
  return out;
}

std::string RenderError(const EventError& error) {
  std::string out = "{\"error\":{\"code\":\"";
  out.append(ToString(error.code));
  out.push_back('"');
  if (!error.id.empty()) {
    out.append(",\"id\":");
    detail::AppendJsonString(out, error.id);
  }
  if (!error.field.empty()) {
    out.append(",\"field\":");
    detail::AppendJsonString(out, error.field);
  }
  out.append(",\"message\":");
  detail::AppendJsonString(out, error.message);
  out.append("}}");
  return out;
}

struct EventDecoder::Impl {
  simdjson::ondemand::parser parser;
  // The input copied with simdjson's padding; grown as needed, then reused, so a
  // steady stream of events doesn't allocate here.
  std::vector<char> buffer;

  simdjson::padded_string_view Pad(std::string_view json) {
    const size_t needed = json.size() + simdjson::SIMDJSON_PADDING;
    if (buffer.size() < needed) buffer.resize(needed);
    if (!json.empty()) std::memcpy(buffer.data(), json.data(), json.size());
    std::memset(buffer.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);
    return simdjson::padded_string_view(buffer.data(), json.size(), buffer.size());
  }
};

EventDecoder::EventDecoder(const Catalogs& catalogs, DecodeLimits limits)
    : catalogs_(&catalogs), limits_(limits), impl_(std::make_unique<Impl>()) {}

EventDecoder::~EventDecoder() = default;

namespace {

Unexpected<EventError> Fail(ErrorCode code, std::string id, std::string field,
                            std::string message) {
  return MakeError(EventError{code, std::move(id), std::move(field), std::move(message)});
}

std::string UnknownCodeMessage(std::string_view what, std::string_view code,
                               const Catalog& catalog) {
  std::string message = "unknown " + std::string(what) + " '" + detail::Printable(code) + "'";
  std::vector<std::string> closest = catalog.Closest(code, 3);
  for (size_t i = 0; i < closest.size(); ++i) {
    message += (i == 0 ? "; closest: " : ", ") + closest[i];
  }
  return message;
}

}  // namespace

Result<Event, EventError> EventDecoder::Decode(std::string_view json, bool* category_known) {
  if (json.size() > limits_.max_message) {
    return Fail(ErrorCode::kTooLarge, {}, {},
                "message is " + std::to_string(json.size()) + " bytes; the limit is " +
                    std::to_string(limits_.max_message));
  }
  // The walk accepts nothing nested deeper than an event has (object → attrs →
  // array), so the depth scan is needed only when the walk fails or stops early,
  // unless the limit is even lower than that.
  auto too_deep = [this] {
    return Fail(ErrorCode::kTooLarge, {}, {},
                "nesting is deeper than " + std::to_string(limits_.max_depth) + " levels");
  };
  if (limits_.max_depth < detail::kEventDepth && detail::ExceedsDepth(json, limits_.max_depth)) {
    return too_deep();
  }

  const simdjson::padded_string_view padded = impl_->Pad(json);
  Event event;
  detail::ReadOutput out;
  {
    simdjson::ondemand::document doc;
    const simdjson::error_code e = impl_->parser.iterate(padded).get(doc);
    if (e) {
      out.status = detail::ReadStatus::kJsonError;
      out.json_error = e;
    } else {
      detail::ReadEvent(doc, catalogs_->taxonomy, event, out);
    }
  }

  if (out.status != detail::ReadStatus::kOk || !out.complete) {
    std::string_view raw_id = event.id;
    if (!out.complete) {
      if (detail::ExceedsDepth(json, limits_.max_depth)) return too_deep();
      std::string_view seen_id;
      auto syntax =
          detail::CheckJsonSyntax(json, static_cast<size_t>(limits_.max_depth) + 1, &seen_id);
      if (raw_id.empty()) raw_id = seen_id;
      std::string id = detail::IsValidId(raw_id) ? std::string(raw_id) : std::string();
      if (syntax) {
        return Fail(
            ErrorCode::kMalformedJson, std::move(id), {},
            "invalid JSON at byte " + std::to_string(syntax->offset) + ": " + syntax->message);
      }
      if (out.status == detail::ReadStatus::kJsonError) {
        // Valid by the strict checker yet refused by simdjson: report simdjson's view.
        return Fail(ErrorCode::kMalformedJson, std::move(id), {},
                    std::string("invalid JSON: ") + simdjson::error_message(out.json_error));
      }
      out.error.id = std::move(id);
    } else {
      out.error.id = std::move(event.id);
    }
    return MakeError(std::move(out.error));
  }

  if (!catalogs_->regions.Contains(event.region)) {
    return Fail(ErrorCode::kUnknownRegion, std::move(event.id), "region",
                UnknownCodeMessage("region", event.region, catalogs_->regions));
  }
  for (const std::string& group : event.groups) {
    if (!catalogs_->groups.Contains(group)) {
      return Fail(ErrorCode::kUnknownGroup, std::move(event.id), "groups",
                  UnknownCodeMessage("group", group, catalogs_->groups));
    }
  }
  if (category_known != nullptr) *category_known = out.category_known;
  return event;
}

}  // namespace vigia
