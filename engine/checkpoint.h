// SPDX-License-Identifier: Apache-2.0
// Checkpoints (daemon.md, "Storage and recovery"): the engine's whole evaluation
// state (Engine::SaveState) and the duplicate-check map (DedupIndex::SaveState)
// as compact binary blobs. Loading a checkpoint and going on with the events
// after it gives the same output as an uninterrupted run.
//
// A blob: a 4-byte magic ("VGCE" engine, "VGCD" duplicate-check map), the
// format version (varint), the body, and an FNV-1a 64 checksum of all the bytes
// before it (8 bytes, little-endian). Integers in the body are LEB128 varints
// (signed ones zigzag-encoded), strings are length-prefixed. The bodies are
// described in checkpoint.cpp and dedup_index.cpp. Saving is deterministic: the
// same state gives the same bytes, and a loaded state saves to the bytes it was
// loaded from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vigia::engine {

// Why a blob was not loaded. Loading never crashes on a bad blob and leaves the
// loader's state as it was.
enum class CheckpointError : uint8_t {
  kNotACheckpoint,  // wrong magic: not a checkpoint, or one of the other kind
  kUnknownVersion,  // written by a newer (or unknown) format version
  kDamaged,         // the checksum does not hold: truncated or corrupted
  kMalformed,       // the checksum holds but the content is inconsistent
};
std::string_view ToString(CheckpointError error);  // "not_a_checkpoint", ...

// What Engine::LoadState kept. A variant's state is kept when the current rules
// have its (rule id, variant) with an unchanged state signature, as SwapRules does.
struct CheckpointStats {
  size_t keys = 0;              // (rule, variant, key) states loaded
  size_t variants_kept = 0;     // (rule, variant) states loaded
  size_t variants_dropped = 0;  // in the blob but removed or changed in the current rules
};

}  // namespace vigia::engine
