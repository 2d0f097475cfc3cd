// SPDX-License-Identifier: Apache-2.0
// Engine internals: the byte encoding of checkpoints (engine/checkpoint.h).
// Not included outside engine/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "engine/checkpoint.h"

namespace vigia::engine::detail {

// FNV-1a, 64 bits: the checkpoint checksum and the digest of state signatures.
uint64_t Fnv1a64(std::string_view bytes);

// Writes a blob: magic and version first, Finish() appends the checksum.
class ByteWriter {
 public:
  ByteWriter(std::string_view magic, uint64_t version);

  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U64(uint64_t v);  // LEB128
  void I64(int64_t v) { U64((static_cast<uint64_t>(v) << 1) ^ (v < 0 ? ~uint64_t{0} : 0)); }
  void Fixed64(uint64_t v);  // 8 bytes, little-endian
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }

  // Bytes written so far (magic and version included).
  size_t size() const { return out_.size(); }

  std::string Finish() &&;

 private:
  std::string out_;
};

// Reads a body written by ByteWriter. Every read is bounds-checked; the first
// failure is sticky: from then on reads return 0 or empty and ok() is false, so
// a parser checks ok() once per item instead of after every read.
class ByteReader {
 public:
  // Checks the magic, the version (`oldest` to `version`) and the checksum;
  // the reader is positioned at the start of the body. `blob` must outlive the
  // reader.
  static Result<ByteReader, CheckpointError> Open(std::string_view blob, std::string_view magic,
                                                  uint64_t version);
  static Result<ByteReader, CheckpointError> Open(std::string_view blob, std::string_view magic,
                                                  uint64_t oldest, uint64_t version);

  // The blob's format version.
  uint64_t version() const { return version_; }
  bool ok() const { return ok_; }
  // Whether the whole body was read without a failure.
  bool done() const { return ok_ && pos_ == in_.size(); }
  void Fail() { ok_ = false; }

  uint8_t U8();
  uint64_t U64();
  int64_t I64() {
    const uint64_t v = U64();
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  uint64_t Fixed64();
  std::string Str();
  // A number of items that take at least one byte each: fails when more than
  // the bytes left, so a damaged count never makes a huge allocation.
  size_t Count();

 private:
  explicit ByteReader(std::string_view body) : in_(body) {}

  std::string_view in_;
  uint64_t version_ = 0;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace vigia::engine::detail
