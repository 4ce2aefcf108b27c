# What `cmake --install` puts beside the binaries (scripts/package.sh builds the .deb and
# the npm tarballs from that tree; docs/packaging.md): the man page, generated from the
# binary's own --help texts so the two never disagree, and the systemd user unit.
find_program(COVEN_HELP2MAN help2man)
if(COVEN_HELP2MAN)
  add_custom_command(
    OUTPUT ${PROJECT_BINARY_DIR}/man/coven.1
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/make_man.sh $<TARGET_FILE:coven>
            ${PROJECT_BINARY_DIR}/man
    DEPENDS coven ${PROJECT_SOURCE_DIR}/scripts/make_man.sh
    COMMENT "Writing the man page from coven's --help")
  add_custom_target(coven_man ALL DEPENDS ${PROJECT_BINARY_DIR}/man/coven.1)
  install(FILES ${PROJECT_BINARY_DIR}/man/coven.1 DESTINATION share/man/man1)
endif()
install(FILES packaging/systemd/coven.service DESTINATION lib/systemd/user)
