# SPDX-License-Identifier: Apache-2.0
# `cmake --install` and CPack: binaries, the default config (storage moved to
# /var/lib/vigia), the example rules as the starter set, the catalogs, and the
# systemd unit. `cpack -G DEB` in the build folder builds the .deb.
include(GNUInstallDirs)

install(TARGETS vigiad vigia RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

file(READ ${PROJECT_SOURCE_DIR}/config/vigia.yaml vigia_yaml)
string(REPLACE "path: var/vigia.db" "path: /var/lib/vigia/vigia.db" vigia_yaml "${vigia_yaml}")
file(WRITE ${CMAKE_BINARY_DIR}/packaging/vigia.yaml "${vigia_yaml}")
# The unit and the daemon look in /etc/vigia whatever the prefix (Debian policy).
install(FILES ${CMAKE_BINARY_DIR}/packaging/vigia.yaml DESTINATION /etc/vigia)
file(GLOB example_rules ${PROJECT_SOURCE_DIR}/rules/examples/*.yaml)
install(FILES ${example_rules} DESTINATION /etc/vigia/rules)
# Beside the rules, so `vigia test /etc/vigia/rules/tests/*.yaml` finds ../<file>.yaml.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/rules/examples/tests DESTINATION /etc/vigia/rules)
install(FILES ${PROJECT_SOURCE_DIR}/config/groups.yaml ${PROJECT_SOURCE_DIR}/config/taxonomy.yaml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/vigia/catalogs)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/config/regions DESTINATION ${CMAKE_INSTALL_DATADIR}/vigia/catalogs)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/vigiad.service DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/rules/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME rules.md)

set(CPACK_PACKAGE_NAME vigia)
set(CPACK_PACKAGE_VENDOR "vigia")
set(CPACK_PACKAGE_CONTACT "vigia maintainers <vigia@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Early-warning rules engine for the protection of defenders and journalists")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/postinst)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_CONFFILES /etc/vigia/vigia.yaml)
include(CPack)
