// SPDX-License-Identifier: Apache-2.0
// An alert sink that only counts, for the vigia-bench modes that run the
// engine in process. Thread rules: the engine's thread only.
#pragma once

#include <cstddef>

#include "engine/alert.h"

namespace vigia::bench {

class CountingSink : public engine::AlertSink {
 public:
  void OnAlert(const engine::Alert&) override { ++alerts; }
  void OnRetraction(const engine::Retraction&) override { ++retractions; }
  size_t alerts = 0, retractions = 0;
};

}  // namespace vigia::bench
