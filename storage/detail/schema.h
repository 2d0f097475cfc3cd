// SPDX-License-Identifier: Apache-2.0
// The schema's migrations, in order: migration N takes a database at version
// N-1 to version N. Never edit a released migration; append a new one and
// raise kSchemaVersion (database.h).
#pragma once

#include <span>

namespace vigia::storage::detail {

struct Migration {
  int version;      // the user_version after it
  const char* sql;  // statements; no IF NOT EXISTS: a clash must fail the migration
};

std::span<const Migration> Migrations();

}  // namespace vigia::storage::detail
