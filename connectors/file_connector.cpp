// SPDX-License-Identifier: Apache-2.0
#include "connectors/file_connector.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace vigia::connectors {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(200);
constexpr auto kOverloadBackoff = std::chrono::milliseconds(20);

}  // namespace

FileConnector::FileConnector(std::filesystem::path path, bool from_start, size_t max_message)
    : path_(std::move(path)), name_("file." + path_.string()), from_start_(from_start),
      max_message_(max_message) {}

std::string FileConnector::Open() {
  // The file may appear later; only a folder that does not exist is an error.
  std::error_code ec;
  if (!std::filesystem::is_directory(path_.parent_path(), ec))
    return "cannot tail " + path_.string() + ": its folder does not exist";
  return {};
}

void FileConnector::Run(IngestChannel& channel, EventDecoder& decoder, const std::atomic<bool>& stop) {
  bool first_open = true;
  while (!stop.load(std::memory_order_relaxed)) {
    channel.RefreshDecoder(decoder);
    struct stat st {};
    const bool exists = ::stat(path_.c_str(), &st) == 0;
    if (fd_ >= 0 && (!exists || st.st_ino != inode_ || st.st_size < offset_)) {
      // Replaced or truncated: finish nothing of the old one's partial line.
      ::close(fd_);
      fd_ = -1;
      partial_.clear();
    }
    if (fd_ < 0 && exists) {
      fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ >= 0) {
        inode_ = st.st_ino;
        offset_ = first_open && !from_start_ ? st.st_size : 0;
        first_open = false;
      }
    }
    if (fd_ >= 0) ReadNew(channel, decoder, stop);
    std::this_thread::sleep_for(kPollInterval);
  }
  if (fd_ >= 0) ::close(fd_);
}

bool FileConnector::ReadNew(IngestChannel& channel, EventDecoder& decoder,
                            const std::atomic<bool>& stop) {
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::pread(fd_, buf, sizeof buf, offset_);
    if (n <= 0) return n == 0;
    offset_ += n;
    partial_.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(partial_.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      lines_.fetch_add(1, std::memory_order_relaxed);
      auto event = decoder.Decode(line);
      if (!event) {
        channel.DeadLetter(line, event.error());
        continue;
      }
      while (!channel.Submit(*event, 0)) {
        if (stop.load(std::memory_order_relaxed)) return true;  // read again next start
        std::this_thread::sleep_for(kOverloadBackoff);
      }
    }
    partial_.erase(0, start);
    if (partial_.size() > 4 * max_message_) {
      // A "line" far beyond any event: dead-letter its start, skip to the next '\n'.
      channel.DeadLetter(partial_, {ErrorCode::kTooLarge, "", "", "line longer than the message limit"});
      partial_.clear();
    }
  }
}

}  // namespace vigia::connectors
