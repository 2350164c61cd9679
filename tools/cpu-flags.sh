#!/usr/bin/env bash
# Swift flags for this CPU: on x86-64 with AVX2 and FMA, compile for Haswell-class vectors
# (SIMD8<Float> becomes one AVX register instead of two SSE ones: 1.5–2× on the kernels).
# Results are bit-identical either way (the test suite's goldens pass with and without).
# Prints nothing elsewhere. Set NORMSCOPE_PORTABLE=1 to build for any x86-64.
[ "${NORMSCOPE_PORTABLE:-0}" = 1 ] && exit 0
[ "$(uname -m)" = x86_64 ] || exit 0
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
case "$flags" in
  *" avx2 "*" fma "* | *" fma "*" avx2 "*) echo "-Xswiftc -target-cpu -Xswiftc haswell" ;;
esac
