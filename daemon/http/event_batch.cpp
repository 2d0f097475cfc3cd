// SPDX-License-Identifier: Apache-2.0
#include "daemon/http/event_batch.h"

namespace vigia::daemon::http {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

EventBatch Broken(std::string message, size_t offset) {
  EventBatch b;
  b.is_array = true;
  b.error = std::move(message);
  b.error_offset = offset;
  return b;
}

}  // namespace

EventBatch SplitEvents(std::string_view body) {
  size_t i = 0;
  while (i < body.size() && IsBlank(body[i])) ++i;
  if (i == body.size() || body[i] != '[') {
    EventBatch one;
    one.items.push_back(body);
    return one;
  }
  EventBatch batch;
  batch.is_array = true;
  size_t depth = 0;      // nesting inside the current element
  bool in_string = false, escaped = false;
  size_t start = ++i;    // first byte of the current element
  for (; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (depth == 0 && (c == ',' || c == ']')) {
      const std::string_view item = Trim(body.substr(start, i - start));
      if (item.empty()) {
        // "[]" is an empty batch; "[,", "[1,]" and "[1,,2]" are broken.
        if (!(c == ']' && batch.items.empty() && start == body.find('[') + 1))
          return Broken("expected a value in the array", i);
      } else {
        batch.items.push_back(item);
      }
      start = i + 1;
      if (c == ']') {
        if (!Trim(body.substr(i + 1)).empty()) return Broken("unexpected text after the array", i + 1);
        return batch;
      }
    } else if (depth == 0 && c == '}') {
      return Broken("unexpected '}'", i);
    }
  }
  return Broken(in_string ? "unterminated string" : "unterminated array", body.size());
}

}  // namespace vigia::daemon::http
