# FindMesos: an installed Apache Mesos to build modules against.
#
# Looks in MESOS_ROOT (CMake or environment variable) first, then the usual prefixes,
# for what `make install` of Mesos (configured with --enable-install-module-dependencies)
# puts there:
#   PREFIX/include/{mesos,stout,process}      Mesos, stout and libprocess headers
#   PREFIX/lib/mesos/3rdparty/include         glog, boost, picojson, rapidjson ...
# libmesos.so is not linked: the agent that dlopen()s a module provides Mesos' symbols.
# A module that names libmesos-<version>.so as needed drags a second libmesos into an
# agent of another version, whose protobuf registrations then abort the agent (SIGABRT,
# "Multiple extension registrations") before Mesos can say that the versions differ.
# Protobuf headers must be the version Mesos was built with (Debian's in /usr/include
# when Mesos was built against it).
#
# Defines Mesos_FOUND, Mesos_VERSION and the imported target Mesos::Mesos.

set(MESOS_ROOT "$ENV{MESOS_ROOT}" CACHE PATH "Installation prefix of Apache Mesos")

set(_mesos_hints)
if(MESOS_ROOT)
  set(_mesos_hints HINTS "${MESOS_ROOT}")
endif()

find_path(MESOS_INCLUDE_DIR mesos/module/container_logger.hpp
  ${_mesos_hints} PATH_SUFFIXES include)

# Mesos' bundled third-party headers, as installed with the module dependencies; else
# the system's.
set(_mesos_3rdparty_hints)
if(MESOS_INCLUDE_DIR)
  get_filename_component(_mesos_prefix "${MESOS_INCLUDE_DIR}" DIRECTORY)
  set(_mesos_3rdparty_hints HINTS "${_mesos_prefix}/lib/mesos/3rdparty/include"
                                  "${_mesos_prefix}/lib64/mesos/3rdparty/include")
endif()
find_path(MESOS_GLOG_INCLUDE_DIR glog/logging.h ${_mesos_3rdparty_hints})
find_path(MESOS_BOOST_INCLUDE_DIR boost/variant.hpp ${_mesos_3rdparty_hints})
find_path(MESOS_PICOJSON_INCLUDE_DIR picojson.h ${_mesos_3rdparty_hints})
find_path(MESOS_PROTOBUF_INCLUDE_DIR google/protobuf/message.h ${_mesos_hints} PATH_SUFFIXES include)

if(MESOS_INCLUDE_DIR AND EXISTS "${MESOS_INCLUDE_DIR}/mesos/version.hpp")
  file(STRINGS "${MESOS_INCLUDE_DIR}/mesos/version.hpp" _mesos_version_line
       REGEX "^#define MESOS_VERSION \"[^\"]+\"")
  string(REGEX REPLACE "^#define MESOS_VERSION \"([^\"]+)\".*" "\\1" Mesos_VERSION "${_mesos_version_line}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Mesos
  REQUIRED_VARS MESOS_INCLUDE_DIR MESOS_GLOG_INCLUDE_DIR MESOS_BOOST_INCLUDE_DIR
                MESOS_PICOJSON_INCLUDE_DIR MESOS_PROTOBUF_INCLUDE_DIR
  VERSION_VAR Mesos_VERSION)

if(Mesos_FOUND AND NOT TARGET Mesos::Mesos)
  add_library(Mesos::Mesos INTERFACE IMPORTED)
  set(_mesos_includes "${MESOS_INCLUDE_DIR}" "${MESOS_GLOG_INCLUDE_DIR}" "${MESOS_BOOST_INCLUDE_DIR}"
                      "${MESOS_PICOJSON_INCLUDE_DIR}" "${MESOS_PROTOBUF_INCLUDE_DIR}")
  list(REMOVE_DUPLICATES _mesos_includes)
  # The compiler's own directories (/usr/include) must not be added again: -isystem
  # /usr/include breaks libstdc++'s #include_next.
  if(CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
    list(REMOVE_ITEM _mesos_includes ${CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES})
  endif()
  # SYSTEM: Mesos' headers are not held to this project's warning flags.
  set_target_properties(Mesos::Mesos PROPERTIES
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${_mesos_includes}"
    INTERFACE_INCLUDE_DIRECTORIES "${_mesos_includes}"
    INTERFACE_COMPILE_DEFINITIONS "__STDC_FORMAT_MACROS")
endif()

mark_as_advanced(MESOS_INCLUDE_DIR MESOS_GLOG_INCLUDE_DIR MESOS_BOOST_INCLUDE_DIR
                 MESOS_PICOJSON_INCLUDE_DIR MESOS_PROTOBUF_INCLUDE_DIR)
