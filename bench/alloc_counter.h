// SPDX-License-Identifier: Apache-2.0
// Counts the bytes held by live heap allocations of the whole process, for the
// memory figures of `vigia-bench keys`. vigia-bench replaces the global
// operator new and delete (alloc_counter.cpp); counting is off until
// EnableAllocCounting(), so the other modes pay one relaxed load per call.
// A block counts as malloc_usable_size() of it: what the allocator gave, not
// what was asked (alignment and size-class rounding included, the allocator's
// own per-chunk header not). Only operator new is counted: malloc() called
// directly (C libraries) is not.
// Thread rules: thread-safe (relaxed atomics); meaningful when one thread allocates.
#pragma once

#include <cstdint>

namespace vigia::bench {

// Starts counting. Blocks allocated before were not counted; freeing them
// subtracts, so read LiveBytes() only as a difference between two points.
void EnableAllocCounting();
// Bytes allocated minus bytes freed through operator new/delete while counting.
int64_t LiveBytes();

// The process's resident set now (/proc/self/statm), in bytes.
int64_t ResidentBytes();
// Gives free heap memory back to the system (malloc_trim), so that RSS growth
// after it measures new memory only.
void TrimHeap();

}  // namespace vigia::bench
