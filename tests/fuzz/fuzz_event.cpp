// SPDX-License-Identifier: Apache-2.0
// The event decoder on arbitrary bytes, with the built-in catalogs. Besides
// the sanitizers, it checks what the rest of the daemon relies on:
// - an error reply (RenderError) is valid JSON, however broken the input;
// - an accepted event's CanonicalJson (what the journal stores and replays)
//   decodes again to the same event.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "core/event.h"
#include "core/event_decoder.h"

namespace {

using vigia::EventDecoder;

void Require(bool ok, const char* what, std::string_view detail) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_event: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

bool ValidJson(std::string_view text) {
  boost::system::error_code ec;
  boost::json::parse(text, ec);
  return !ec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const vigia::DecodeLimits limits;
  static EventDecoder decoder(vigia::Catalogs::Defaults(), limits);
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  bool category_known = true;
  auto event = decoder.Decode(input, &category_known);
  if (!event) {
    const std::string reply = vigia::RenderError(event.error());
    Require(ValidJson(reply), "RenderError is not valid JSON", reply);
    return 0;
  }
  Require(ValidJson(vigia::RenderAccepted(event->id, false)), "RenderAccepted is not valid JSON",
          event->id);
  const std::string canonical = vigia::CanonicalJson(*event);
  Require(ValidJson(canonical), "CanonicalJson is not valid JSON", canonical);
  if (canonical.size() <= limits.max_message) {
    auto again = decoder.Decode(canonical);
    Require(again.has_value(), "CanonicalJson does not decode again",
            again ? canonical : canonical + "\n" + vigia::RenderError(again.error()));
    Require(vigia::CanonicalJson(*again) == canonical, "CanonicalJson is not a fixed point",
            canonical);
    Require(vigia::ContentHash(*again) == vigia::ContentHash(*event), "ContentHash changed",
            canonical);
  }
  return 0;
}
