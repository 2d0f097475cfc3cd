// SPDX-License-Identifier: Apache-2.0
// The file receiver: one JSON line appended per delivery.
#pragma once

#include <filesystem>
#include <string_view>

#include "notifier/detail/attempt.h"

namespace vigia::notifier::detail {

// Appends `line` and "\n" to `path` with one write(2) (O_APPEND), creating
// missing folders with mode 0700 and the file with mode 0600. The file is
// opened for each line, so it may be rotated (moved away) at any time.
// Failure details are "file: <step>: <error>" and retryable (a full disk or a
// permission may be fixed); they never quote the line.
AttemptResult AppendLine(const std::filesystem::path& path, std::string_view line);

}  // namespace vigia::notifier::detail
