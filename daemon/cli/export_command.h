// SPDX-License-Identifier: Apache-2.0
// The database side of the CLI, shared by `vigia export` and `vigia replay
// --from-db` (RunExport itself is in commands.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "storage/database.h"

namespace vigia::cli {

// Opens an existing vigia database to read its journal (Database::Open would
// create a missing one). On failure prints "<command>: ..." to stderr and
// returns nullptr. The file must be writable: opening migrates an older schema.
std::unique_ptr<storage::Database> OpenDatabaseOrReport(const std::string& path,
                                                        std::string_view command);

}  // namespace vigia::cli
