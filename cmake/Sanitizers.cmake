# STYLE.md section 13: COVEN_SANITIZE=address,undefined (or thread) instruments everything.
set(COVEN_SANITIZE "" CACHE STRING "Sanitizers to enable, e.g. address,undefined")
if(COVEN_SANITIZE)
  add_compile_options(-fsanitize=${COVEN_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  # Debug info names the source tree relative to it: with that (and CCACHE_BASEDIR, set by
  # scripts/build.sh) ccache leaves the working directory out of its hash, so a clean clone
  # elsewhere (CI) reuses the objects instead of rebuilding the whole -g tree.
  add_compile_options(-fdebug-prefix-map=${PROJECT_SOURCE_DIR}=.)
  add_link_options(-fsanitize=${COVEN_SANITIZE})
  if(COVEN_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 warns (-Wtsan) that TSan does not model the atomic_thread_fence inside
    # Boost.Asio's headers; that is a limit of the tool, not a bug of ours.
    add_compile_options(-Wno-error=tsan -Wno-tsan)
  endif()
endif()
# COVEN_FUZZ (the asan-ubsan preset, Clang only): every library is compiled with libFuzzer's
# coverage instrumentation (-fsanitize=fuzzer-no-link), so the targets of tests/fuzz link
# against the same objects the unit tests use: no third build of the project. Only the fuzz
# executables link libFuzzer itself (-fsanitize=fuzzer, which brings its main()).
option(COVEN_FUZZ "Build the libFuzzer targets of tests/fuzz (Clang)" OFF)
if(COVEN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "COVEN_FUZZ needs Clang (libFuzzer); set CMAKE_CXX_COMPILER=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
