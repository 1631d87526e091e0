// The records the pump hands to Java in a direct buffer: many responses per JNI crossing, no Java objects made on the
// native side. ResponseRecords.java reads exactly this layout; change both together.
//
// One record, native byte order, 8-byte aligned, every field 4 bytes unless said:
//   0  size         bytes of the whole record, padding included
//   4  flags        1 final, 2 error, 4 token log-probabilities, 8 prompt log-probabilities
//   8  handle       8 bytes: the Java side's request handle
//  16  finish       Finish
//  20  tokens       n
//  24  topK         k (with flag 4)
//  28  prompt       p positions (with flag 8)
//  32  promptTopK   pk (with flag 8)
//  36  errorBytes   e
//  40  int32 tokens[n]
//      with flag 4: float logprobs[n], int32 topIds[n*k], float topLogprobs[n*k]
//      with flag 8: float promptLogprobs[p], int32 promptTopIds[p*pk], float promptTopLogprobs[p*pk]
//      UTF-8 error[e], then zeros to the next multiple of 8
#pragma once

#include "backend.h"

#include <cstddef>
#include <cstdint>

namespace evalgate::trtllm::records
{

inline constexpr std::int32_t kFinal = 1;
inline constexpr std::int32_t kError = 2;
inline constexpr std::int32_t kLogprobs = 4;
inline constexpr std::int32_t kPromptLogprobs = 8;
inline constexpr std::size_t kHeaderBytes = 40;

/// Bytes the record of this response takes.
std::size_t size(BackendResponse const& response);

/// Writes the record at `at`, which has size(response) bytes.
void write(BackendResponse const& response, std::uint64_t handle, std::uint8_t* at);

} // namespace evalgate::trtllm::records
