#!/usr/bin/env bash
# Compile-checks the TensorRT-LLM side of the bridge (tensorrt_llm_backend.cpp) against a TensorRT-LLM include folder
# and CUDA's headers, every warning an error, and lists the tensorrt_llm:: symbols the bridge needs from
# libtensorrt_llm.so and libnvinfer_plugin_tensorrt_llm.so. Downloads nothing; needs g++ and binutils only.
#
#   src/main/cpp/check-tensorrt-llm-headers.sh --trtllm-include DIR [--cuda-include DIR] [--abi 0|1]
#       [--symbols FILE] [--against LIB...]
#
# --trtllm-include  a folder with tensorrt_llm/executor/executor.h: the wheel's tensorrt_llm/include, the NGC image's
#                   /usr/local/lib/python3.12/dist-packages/tensorrt_llm/include, or headers rebuilt from the public
#                   source into a temporary folder (never into this repository)
# --cuda-include    CUDA's include folder (default /usr/local/cuda/include); only cuda_fp16/bf16/fp8.h are needed
# --abi             _GLIBCXX_USE_CXX11_ABI of the libtensorrt_llm.so the bridge will load (default 1; the symbols
#                   differ with it: check with `nm -D libtensorrt_llm.so | grep -c __cxx11`)
# --symbols         also write the symbol list to FILE
# --against         on a machine with TensorRT-LLM: the libraries the bridge will load; every needed symbol must be
#                   defined in one of them, else the script names the missing ones and fails. This is the check that
#                   matters: the same source compiles against neighbouring releases whose constructors have other
#                   parameter lists, and then fails to load with "undefined symbol".
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
trtllm_include=
cuda_include=/usr/local/cuda/include
abi=1
symbols_file=
against=()
while [ $# -gt 0 ]; do
  case "$1" in
    --trtllm-include) trtllm_include=$2; shift 2 ;;
    --cuda-include) cuda_include=$2; shift 2 ;;
    --abi) abi=$2; shift 2 ;;
    --symbols) symbols_file=$2; shift 2 ;;
    --against) shift; while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do against+=("$1"); shift; done ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$trtllm_include" ] || [ ! -f "$trtllm_include/tensorrt_llm/executor/executor.h" ]; then
  echo "--trtllm-include must name a folder with tensorrt_llm/executor/executor.h (got '$trtllm_include')" >&2
  exit 2
fi
if [ ! -f "$cuda_include/cuda_fp16.h" ]; then
  echo "--cuda-include must name CUDA's include folder with cuda_fp16.h (got '$cuda_include')" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

compile=(g++ -std=c++17 -Wall -Wextra -Werror -DENABLE_BF16 -DENABLE_FP8 "-D_GLIBCXX_USE_CXX11_ABI=$abi"
         -I "$here" -I "$trtllm_include" -I "$cuda_include" -c "$here/tensorrt_llm_backend.cpp" -o "$work/backend.o")
echo "compiling: ${compile[*]}"
"${compile[@]}"
echo "COMPILED: tensorrt_llm_backend.cpp against $trtllm_include and $cuda_include ($(g++ -dumpfullversion), -Wall -Wextra -Werror)"

nm -uC "$work/backend.o" | sed -E 's/^ *U //' | grep -E '^(tensorrt_llm::|initTrtLlmPlugins$)' | LC_ALL=C sort -u \
  > "$work/needed.txt"
echo "the bridge needs $(wc -l < "$work/needed.txt") symbols from TensorRT-LLM:"
cat "$work/needed.txt"
if [ -n "$symbols_file" ]; then
  cp "$work/needed.txt" "$symbols_file"
fi

if [ ${#against[@]} -gt 0 ]; then
  for lib in "${against[@]}"; do
    nm -DC --defined-only "$lib" | sed -E 's/^[0-9a-fA-F]+ [A-Za-z] //'
  done | LC_ALL=C sort -u > "$work/defined.txt"
  LC_ALL=C comm -23 "$work/needed.txt" "$work/defined.txt" > "$work/missing.txt"
  if [ -s "$work/missing.txt" ]; then
    echo "MISSING from ${against[*]} (the bridge would not load; build it against this library's own headers, and check --abi):" >&2
    cat "$work/missing.txt" >&2
    exit 1
  fi
  echo "FOUND: every needed symbol is defined in ${against[*]}"
fi
