# Debian packages with CPack (`cpack -G DEB` in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr; scripts/package.sh does all of it and runs lintian):
#   mesos-journald          the companion, the reader, man pages, bash completion, docs
#   mesos-journald-module   libmesos_journald.so, its module file and the agent's drop-in;
#                           only when the module is built (-DMESOS_ROOT=...)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mesos-journald)
set(CPACK_PACKAGE_VENDOR "mesos-journald maintainers")
set(CPACK_PACKAGE_CONTACT "mesos-journald maintainers <maintainers@mesos-journald.invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# The installed files name the paths of the install (packaging/CMakeLists.txt): the
# package must put them exactly there.
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/mesos-journald/mesos-journald")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME mesos-journald)
# dpkg-shlibdeps: libc6, libsystemd0 (the reader links it; the companion loads it only to
# count stored entries after a journald restart), libstdc++6/libgcc-s1 (the reader).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "systemd")
# The first line is the synopsis; CPack indents the rest (an empty line separates
# paragraphs). Lines stay under 80 characters for lintian.
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "Mesos task output into systemd-journald, with structured fields
mesos-journald-pipe reads a process's stdout and stderr and sends every line
to systemd-journald over the native protocol with structured fields (the
Mesos ids of the container it serves), and copies the raw bytes into
size-rotated files. Nothing is lost across journald restarts. It is the
companion of the Mesos container logger module (mesos-journald-module) and
a standalone systemd-cat.

mesos-journald-logs prints a task's output back from the journal, byte-exact.")

if(TARGET mesos_journald)
  list(APPEND CPACK_COMPONENTS_ALL module)
  set(CPACK_DEBIAN_MODULE_PACKAGE_NAME mesos-journald-module)
  # libmesos is not a Debian package, so dpkg-shlibdeps cannot be used; the module needs
  # what any C++ library built with this compiler needs, and the agent provides Mesos.
  set(CPACK_DEBIAN_MODULE_PACKAGE_SHLIBDEPS OFF)
  set(CPACK_DEBIAN_MODULE_PACKAGE_DEPENDS
      "mesos-journald (= ${PROJECT_VERSION}), libc6, libstdc++6, libgcc-s1")
  set(CPACK_DEBIAN_MODULE_PACKAGE_CONTROL_EXTRA ${PROJECT_BINARY_DIR}/packaging/conffiles)
  file(WRITE ${PROJECT_BINARY_DIR}/packaging/conffiles
       "${CMAKE_INSTALL_FULL_SYSCONFDIR}/mesos/modules.d/mesos-journald.json\n")
  set(CPACK_COMPONENT_MODULE_DESCRIPTION "Mesos container logger module for systemd-journald (Mesos ${MJ_MESOS_VERSION})
libmesos_journald.so is a Mesos ContainerLogger: every container's stdout
and stderr go to systemd-journald, tagged with FRAMEWORK_ID, TASK_ID and the
other Mesos ids, and to rotated sandbox files, through one
mesos-journald-pipe per container.

Built against Mesos ${MJ_MESOS_VERSION}: an agent of another version refuses
to load it and says so in its log. Installing it configures
mesos-agent.service (a drop-in setting MESOS_MODULES_DIR and
MESOS_CONTAINER_LOGGER); restart the agent to use it.")
endif()

include(CPack)
