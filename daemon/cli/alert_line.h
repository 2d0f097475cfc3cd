// SPDX-License-Identifier: Apache-2.0
// The one-line rendering of an alert shared by `vigia watch` and `vigia alerts`.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace vigia::cli {

// "2017-03-06T09:00:00Z CRITICAL MX-CHH journalist-threat-cluster (3 events) summary [a-…]"
// from an alert object (notifier.md, "The alert"). Missing fields render empty,
// a missing region as "-". Never throws.
std::string AlertLine(const boost::json::object& alert);

// The string (or integer) field `key` of `o`, else empty.
std::string JsonField(const boost::json::object& o, std::string_view key);

}  // namespace vigia::cli
