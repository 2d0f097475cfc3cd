// SPDX-License-Identifier: Apache-2.0
#include "notifier/detail/file_append.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace vigia::notifier::detail {
namespace {

AttemptResult Failed(std::string_view step, int error) {
  return {false, false, "file: " + std::string(step) + ": " + std::strerror(error)};
}

}  // namespace

AttemptResult AppendLine(const std::filesystem::path& path, std::string_view line) {
  std::filesystem::path folder;
  for (const auto& part : path.parent_path()) {
    folder /= part;
    if (mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) return Failed("mkdir", errno);
  }
  const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Failed("open", errno);
  std::string data(line);
  data.push_back('\n');
  std::string_view rest = data;
  while (!rest.empty()) {
    const ssize_t n = write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;
      close(fd);
      return Failed("write", error);
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (close(fd) != 0) return Failed("close", errno);
  return {true, false, "appended"};
}

}  // namespace vigia::notifier::detail
