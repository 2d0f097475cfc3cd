// SPDX-License-Identifier: Apache-2.0
// Log event ids of the daemon (STYLE.md §7): operators and e2e tests match on them.
#pragma once

namespace vigia::daemon::log {

inline constexpr const char* kStarting = "daemon.starting";
inline constexpr const char* kReady = "daemon.ready";
inline constexpr const char* kStopping = "daemon.stopping";
inline constexpr const char* kStopped = "daemon.stopped";
inline constexpr const char* kStartFailed = "daemon.start_failed";
inline constexpr const char* kRulesLoaded = "rules.loaded";
inline constexpr const char* kRulesReloaded = "rules.reloaded";
inline constexpr const char* kRulesReloadFailed = "rules.reload_failed";
inline constexpr const char* kListening = "ingest.listening";
inline constexpr const char* kThreadFailed = "thread.failed";

}  // namespace vigia::daemon::log
