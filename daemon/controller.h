// SPDX-License-Identifier: Apache-2.0
// vigiad's lifecycle (STYLE.md §1, Kea): config → catalogs → rules → open
// sockets → threads → signals → drain. Only the controller wires modules and
// owns threads. SIGHUP reloads rules (a bad set keeps the old one running);
// SIGTERM/SIGINT stop accepting, finish what was handed over, and exit 0.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "config/config.h"

namespace vigia::daemon {

struct ControllerOptions {
  config::Config config;
};

class Controller {
 public:
  explicit Controller(ControllerOptions options);
  ~Controller();
  // Runs until SIGTERM/SIGINT. Returns the process exit code: 0 clean stop,
  // 1 runtime failure, 2 unusable config or rules.
  int Run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigia::daemon
