# STYLE.md section 12: the warning set, fatal when COVEN_WERROR is on.
function(coven_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Woverloaded-virtual -Wcast-qual -Wnull-dereference -Wimplicit-fallthrough
    -Wmissing-declarations -Wformat=2)
  if(COVEN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
