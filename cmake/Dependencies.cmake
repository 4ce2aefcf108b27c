# The third-party libraries, found once. With COVEN_PORTABLE (the release preset) Boost,
# SQLite, utf8proc, libvterm, libdeflate, zlib and the C++ runtime are linked statically, so the one
# `coven` binary runs on a stock Debian 12 or any newer glibc distribution with no -dev package
# and no particular Boost or SQLite version installed (docs/packaging.md): what remains
# dynamic is glibc itself (libc, libm), which every such system has. Debug and sanitizer
# builds link the shared libraries (faster links; the sanitizers want them).
option(COVEN_PORTABLE "Link third-party libraries and the C++ runtime statically" OFF)

find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(CLI11 CONFIG REQUIRED)

if(COVEN_PORTABLE)
  set(Boost_USE_STATIC_LIBS ON)
  # FindSQLite3 and FindZLIB take a library a cache variable names; name the archives (by
  # their own cache variables, so a tree configured before the switch changes too).
  find_library(COVEN_SQLITE3_ARCHIVE NAMES libsqlite3.a REQUIRED)
  find_library(COVEN_ZLIB_ARCHIVE NAMES libz.a REQUIRED)
  find_library(COVEN_UTF8PROC_ARCHIVE NAMES libutf8proc.a REQUIRED)
  find_library(COVEN_VTERM_ARCHIVE NAMES libvterm.a REQUIRED)
  find_library(COVEN_DEFLATE_ARCHIVE NAMES libdeflate.a REQUIRED)
  set(SQLite3_LIBRARY ${COVEN_SQLITE3_ARCHIVE} CACHE FILEPATH "" FORCE)
  set(ZLIB_LIBRARY_RELEASE ${COVEN_ZLIB_ARCHIVE} CACHE FILEPATH "" FORCE)
  find_package(SQLite3 REQUIRED)
  # A static libsqlite3 needs what its shared object would have pulled in.
  set_property(TARGET SQLite::SQLite3 APPEND PROPERTY
               INTERFACE_LINK_LIBRARIES ${CMAKE_DL_LIBS} m Threads::Threads)
  pkg_check_modules(UTF8PROC REQUIRED libutf8proc)
  add_library(coven_utf8proc INTERFACE)
  target_include_directories(coven_utf8proc INTERFACE ${UTF8PROC_INCLUDE_DIRS})
  target_link_libraries(coven_utf8proc INTERFACE ${COVEN_UTF8PROC_ARCHIVE})
  pkg_check_modules(VTERM REQUIRED vterm)
  add_library(coven_vterm INTERFACE)
  target_include_directories(coven_vterm INTERFACE ${VTERM_INCLUDE_DIRS})
  target_link_libraries(coven_vterm INTERFACE ${COVEN_VTERM_ARCHIVE})
  pkg_check_modules(DEFLATE REQUIRED libdeflate)
  add_library(coven_deflate INTERFACE)
  target_include_directories(coven_deflate INTERFACE ${DEFLATE_INCLUDE_DIRS})
  target_link_libraries(coven_deflate INTERFACE ${COVEN_DEFLATE_ARCHIVE})
  add_link_options(-static-libstdc++ -static-libgcc)
else()
  find_package(SQLite3 REQUIRED)
  pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
  add_library(coven_utf8proc INTERFACE)
  target_link_libraries(coven_utf8proc INTERFACE PkgConfig::UTF8PROC)
  pkg_check_modules(VTERM REQUIRED IMPORTED_TARGET vterm)
  add_library(coven_vterm INTERFACE)
  target_link_libraries(coven_vterm INTERFACE PkgConfig::VTERM)
  pkg_check_modules(DEFLATE REQUIRED IMPORTED_TARGET libdeflate)
  add_library(coven_deflate INTERFACE)
  target_link_libraries(coven_deflate INTERFACE PkgConfig::DEFLATE)
endif()
find_package(Boost 1.81.0 CONFIG REQUIRED COMPONENTS json url)
find_package(ZLIB REQUIRED)
