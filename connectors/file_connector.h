// SPDX-License-Identifier: Apache-2.0
// Tails a JSON Lines file (one event per line), for integrators that can only
// drop files. Follows appends; a file replaced (new inode) or truncated is read
// again from its start (the duplicate check makes re-reading harmless within
// ingest.dedup_window). When the core is overloaded it waits and retries: a
// file is durable, so nothing is dropped. Bad lines are dead-lettered.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>

#include "connectors/connector.h"

namespace vigia::connectors {

class FileConnector : public Connector {
 public:
  FileConnector(std::filesystem::path path, bool from_start, size_t max_message);

  std::string_view name() const override { return name_; }
  std::string Open() override;
  void Run(IngestChannel& channel, EventDecoder& decoder, const std::atomic<bool>& stop) override;

  uint64_t lines() const { return lines_.load(std::memory_order_relaxed); }

 private:
  // Reads what was appended since the last call; false when the file is gone.
  bool ReadNew(IngestChannel& channel, EventDecoder& decoder, const std::atomic<bool>& stop);

  std::filesystem::path path_;
  std::string name_;
  bool from_start_;
  size_t max_message_;
  int fd_ = -1;
  ino_t inode_ = 0;
  off_t offset_ = 0;
  std::string partial_;  // a line not yet ended by '\n'
  std::atomic<uint64_t> lines_{0};
};

}  // namespace vigia::connectors
