// SPDX-License-Identifier: Apache-2.0
#include "engine/detail/byte_codec.h"

namespace vigia::engine::detail {

inline constexpr size_t kChecksumSize = 8;

uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

ByteWriter::ByteWriter(std::string_view magic, uint64_t version) {
  out_.append(magic);
  U64(version);
}

void ByteWriter::U64(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void ByteWriter::Fixed64(uint64_t v) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string ByteWriter::Finish() && {
  Fixed64(Fnv1a64(out_));
  return std::move(out_);
}

Result<ByteReader, CheckpointError> ByteReader::Open(std::string_view blob, std::string_view magic,
                                                     uint64_t version) {
  return Open(blob, magic, version, version);
}

Result<ByteReader, CheckpointError> ByteReader::Open(std::string_view blob, std::string_view magic,
                                                     uint64_t oldest, uint64_t version) {
  if (blob.empty() || blob.substr(0, magic.size()) != magic.substr(0, blob.size()))
    return MakeError(CheckpointError::kNotACheckpoint);
  if (blob.size() < magic.size() + 1 + kChecksumSize) return MakeError(CheckpointError::kDamaged);
  // The version before the checksum: a newer format may checksum differently.
  ByteReader header(blob.substr(0, blob.size() - kChecksumSize));
  header.pos_ = magic.size();
  const uint64_t found = header.U64();
  if (!header.ok()) return MakeError(CheckpointError::kDamaged);
  if (found < oldest || found > version) return MakeError(CheckpointError::kUnknownVersion);
  header.version_ = found;
  ByteReader trailer(blob.substr(blob.size() - kChecksumSize));
  if (trailer.Fixed64() != Fnv1a64(header.in_)) return MakeError(CheckpointError::kDamaged);
  return header;
}

uint8_t ByteReader::U8() {
  if (!ok_ || pos_ >= in_.size()) {
    ok_ = false;
    return 0;
  }
  return static_cast<uint8_t>(in_[pos_++]);
}

uint64_t ByteReader::U64() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    const uint8_t b = U8();
    if (!ok_) return 0;
    // The tenth byte holds only the top bit; anything more is not a uint64.
    if (shift == 63 && b > 1) break;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  ok_ = false;
  return 0;
}

uint64_t ByteReader::Fixed64() {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(U8()) << (8 * i);
  return ok_ ? v : 0;
}

std::string ByteReader::Str() {
  const uint64_t n = U64();
  if (!ok_ || n > in_.size() - pos_) {
    ok_ = false;
    return {};
  }
  std::string s(in_.substr(pos_, n));
  pos_ += n;
  return s;
}

size_t ByteReader::Count() {
  const uint64_t n = U64();
  if (!ok_ || n > in_.size() - pos_) {
    ok_ = false;
    return 0;
  }
  return static_cast<size_t>(n);
}

}  // namespace vigia::engine::detail
