# STYLE.md section 12: the warning set, fatal when COVEN_WERROR is on.
function(coven_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Woverloaded-virtual -Wcast-qual -Wnull-dereference -Wimplicit-fallthrough
    -Wmissing-declarations -Wformat=2)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # The lock annotations of core/mutex.h (GUARDED_BY, REQUIRES): checked in every Clang
    # build (the asan-ubsan preset), fatal with the rest under COVEN_WERROR.
    target_compile_options(${target} PRIVATE -Wthread-safety -Wthread-safety-beta)
  endif()
  if(COVEN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
    # GCC 12's flow-based warnings misfire inside Boost.Asio and libstdc++ once inlining is
    # on (e.g. -Wnull-dereference in asio::io_context, -Wrestrict in std::string::append):
    # in optimized builds they stay warnings, not errors. Debug builds keep them fatal.
    target_compile_options(${target} PRIVATE
      $<$<NOT:$<CONFIG:Debug>>:-Wno-error=null-dereference -Wno-error=restrict
                                -Wno-error=maybe-uninitialized>)
  endif()
endfunction()
