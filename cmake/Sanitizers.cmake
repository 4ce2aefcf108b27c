# STYLE.md section 13: COVEN_SANITIZE=address,undefined (or thread) instruments everything.
set(COVEN_SANITIZE "" CACHE STRING "Sanitizers to enable, e.g. address,undefined")
if(COVEN_SANITIZE)
  add_compile_options(-fsanitize=${COVEN_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${COVEN_SANITIZE})
  if(COVEN_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 warns (-Wtsan) that TSan does not model the atomic_thread_fence inside
    # Boost.Asio's headers; that is a limit of the tool, not a bug of ours.
    add_compile_options(-Wno-error=tsan -Wno-tsan)
  endif()
endif()
if(CMAKE_BUILD_TYPE STREQUAL "Release")
  add_compile_options(-D_FORTIFY_SOURCE=2 -fstack-protector-strong)
endif()
