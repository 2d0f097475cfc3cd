// SPDX-License-Identifier: Apache-2.0
// Names the calling thread, as `top -H`, `ps -L` and debuggers show it, so an
// operator can tell the core from the journal writer. Linux keeps 15 bytes;
// longer names are cut.
#pragma once

#include <string_view>

namespace vigia {

void NameThisThread(std::string_view name);

}  // namespace vigia
