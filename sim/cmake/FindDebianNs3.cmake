# Finds Debian's ns-3 (libns3-dev 3.37) without its CMake package, which does not load on a
# machine with libns3-dev alone (../../../shared/ns3-notes.md §1, and one more found here):
#   - ns3Targets.cmake checks that the `ns3` package's helper programs
#     (/usr/libexec/ns3/ns3.37-raw-sock-creator, ...) exist and stops with FATAL_ERROR, inside
#     find_package, when they do not: libns3-dev does not depend on that package;
#   - every target lists /usr/include/python3.11 and /usr/include/libxml2, which CMake refuses
#     when they are missing;
#   - core, stats and config-store link the unversioned .so symlinks of GSL, SQLite, libxml2,
#     which only their -dev packages install.
# So the headers and libraries are found directly and wrapped in imported targets named like
# the package's (ns3::libcore, ...). The versioned libns3-*.so.37 files name their own
# dependencies (DT_NEEDED). Sets PHANTASM_NS3_FOUND, ns3_VERSION, and PHANTASM_NS3_WHY_NOT.
set(PHANTASM_NS3_FOUND FALSE)
set(PHANTASM_NS3_WHY_NOT "")

find_path(PHANTASM_NS3_INCLUDE ns3/version-defines.h)
if(NOT PHANTASM_NS3_INCLUDE OR NOT EXISTS "${PHANTASM_NS3_INCLUDE}/ns3/version-defines.h")
  set(PHANTASM_NS3_WHY_NOT "ns-3 not found (Debian: apt-get install libns3-dev, or scripts/install-deps.sh)")
  return()
endif()
file(STRINGS "${PHANTASM_NS3_INCLUDE}/ns3/version-defines.h" _ns3_version_lines REGEX "#define NS3_VERSION_(MAJOR|MINOR) ")
string(REGEX REPLACE ".*MAJOR ([0-9]+).*" "\\1" _ns3_major "${_ns3_version_lines}")
string(REGEX REPLACE ".*MINOR ([0-9]+).*" "\\1" _ns3_minor "${_ns3_version_lines}")
set(ns3_VERSION "${_ns3_major}.${_ns3_minor}")
if(NOT ns3_VERSION STREQUAL "3.37")
  # The simulation is written against 3.37's API (Debian 12); other versions rename things.
  set(PHANTASM_NS3_WHY_NOT "ns-3 ${ns3_VERSION} found, but sim/ is written for 3.37 (Debian 12)")
  return()
endif()

# Dependencies first: each target links the ones it builds on.
set(_ns3_previous "")
foreach(_module core network point-to-point)
  find_library(PHANTASM_NS3_LIB_${_module} NAMES ns3-${_module} ns3.37-${_module})
  if(NOT PHANTASM_NS3_LIB_${_module})
    set(PHANTASM_NS3_WHY_NOT "ns-3 headers found, but not its ${_module} library")
    return()
  endif()
  if(NOT TARGET ns3::lib${_module})
    add_library(ns3::lib${_module} SHARED IMPORTED)
    # ns-3 registers its types from static initialisers: a library none of whose symbols the
    # program names must still be linked, hence --no-as-needed (as ns-3's own export does).
    set_target_properties(ns3::lib${_module} PROPERTIES
      IMPORTED_LOCATION "${PHANTASM_NS3_LIB_${_module}}"
      INTERFACE_INCLUDE_DIRECTORIES "${PHANTASM_NS3_INCLUDE}"
      INTERFACE_LINK_OPTIONS "LINKER:--no-as-needed"
      INTERFACE_LINK_LIBRARIES "${_ns3_previous}")
  endif()
  set(_ns3_previous ns3::lib${_module})
endforeach()
set(PHANTASM_NS3_FOUND TRUE)
