// shim/internal/output_chunker.h: where to cut PTY output into `output` events.
//
// SPEC Part A 4: an output event never splits a UTF-8 character, and its JSON form as the
// API serves it, {"data":"<chunk>"}, stays under 60,000 bytes (the OpenClaw plugin ignores
// larger payloads). The size is counted conservatively per raw byte, without decoding:
// control bytes may become \u00XX (6), '"' and '\\' gain a backslash (2), and a byte
// >= 0x80 is counted 3 since an invalid one becomes U+FFFD (3 bytes) on the wire.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace coven::shim::internal {

// The bound on the JSON form of one output event (exclusive).
inline constexpr size_t kMaxOutputJsonBytes = 60000;
// The JSON form's bytes around the chunk: {"data":""}.
inline constexpr size_t kOutputJsonOverhead = 11;

// The conservative escaped size of one raw byte (see above).
size_t EscapedCost(unsigned char byte);
// The conservative escaped size of `data`.
size_t EscapedCost(std::string_view data);

// The length of the next output chunk of `data` (non-empty): the longest prefix whose
// JSON form stays under kMaxOutputJsonBytes, shortened so it does not end inside a UTF-8
// character. A run of stray continuation bytes (invalid UTF-8) may still be cut anywhere.
// Callers hold back an incomplete character at the end of `data` (core::IncompleteUtf8Tail)
// until more bytes arrive.
size_t NextChunkLength(std::string_view data);

// Splits the start of `data` into output events (cut as NextChunkLength cuts) whose records,
// `frame_bytes` each plus their payload, take at most `room` bytes of the log: all of `data`
// when it fits, else the last event is cut short so that the records fill `room` exactly
// (a few bytes less where that would split a character). `chunks` gets the events; returns
// the bytes of `data` they hold. The shim ends a stream's log writes on aligned file offsets
// this way (see kLogAlign).
size_t ChunkForRoom(std::string_view data, size_t room, size_t frame_bytes,
                    std::vector<std::string_view>* chunks);

// The room for ChunkForRoom from a log's end offset to its next multiple of `align`; less
// than a page would make a tiny event, so that room reaches one multiple further.
size_t RoomToAlignedEnd(uint64_t end_offset, size_t align);

}  // namespace coven::shim::internal
