# STYLE.md section 13: COVEN_SANITIZE=address,undefined (or thread) instruments everything.
set(COVEN_SANITIZE "" CACHE STRING "Sanitizers to enable, e.g. address,undefined")
if(COVEN_SANITIZE)
  add_compile_options(-fsanitize=${COVEN_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${COVEN_SANITIZE})
endif()
if(CMAKE_BUILD_TYPE STREQUAL "Release")
  add_compile_options(-D_FORTIFY_SOURCE=2 -fstack-protector-strong)
endif()
