// SPDX-License-Identifier: Apache-2.0
// Log event ids of the storage (STYLE.md §7): operators and e2e tests match on them.
#pragma once

namespace vigia::storage::log {

inline constexpr const char* kMigrated = "storage.migrated";
inline constexpr const char* kJournalFailed = "storage.journal_failed";
inline constexpr const char* kJournalRecovered = "storage.journal_recovered";
inline constexpr const char* kJournalUnflushed = "storage.journal_unflushed";
inline constexpr const char* kCheckpointFailed = "storage.checkpoint_failed";
// The engine checkpoint's writer (checkpoint_writer.h).
inline constexpr const char* kEngineCheckpointFailed = "storage.engine_checkpoint_failed";
inline constexpr const char* kEngineCheckpointRecovered = "storage.engine_checkpoint_recovered";
inline constexpr const char* kEngineCheckpointUnflushed = "storage.engine_checkpoint_unflushed";
inline constexpr const char* kThreadFailed = "storage.thread_failed";

}  // namespace vigia::storage::log
