// SPDX-License-Identifier: Apache-2.0
#include "core/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <string>

namespace vigia {

void NameThisThread(std::string_view name) {
  const std::string cut(name.substr(0, std::min<size_t>(name.size(), 15)));
  pthread_setname_np(pthread_self(), cut.c_str());  // only fails for a name over 15 bytes
}

}  // namespace vigia
