# Finds Debian's ns-3 (libns3-dev 3.37) and repairs its CMake export, which does not work on a
# machine without a handful of unrelated -dev packages (../../../shared/ns3-notes.md §1):
#   - every ns3:: target lists /usr/include/python3.11 and /usr/include/libxml2 as include
#     directories: CMake refuses imported targets whose include directories do not exist;
#   - ns3::libcore, libstats and libconfig-store link the unversioned .so symlinks of GSL,
#     SQLite and libxml2, which only the matching -dev packages install. The versioned
#     libns3-*.so.37 files name their own dependencies (DT_NEEDED), so those entries can go.
# Sets PHANTASM_NS3_FOUND, and PHANTASM_NS3_WHY_NOT when it is false.
set(PHANTASM_NS3_FOUND FALSE)
set(PHANTASM_NS3_WHY_NOT "")

# The package's version file is ExactVersion: ask for 3.37 exactly, the version Debian 12 ships.
find_package(ns3 3.37 CONFIG QUIET)
if(NOT ns3_FOUND)
  set(PHANTASM_NS3_WHY_NOT "ns-3 3.37 not found (Debian: apt-get install libns3-dev, or scripts/install-deps.sh)")
  return()
endif()

get_directory_property(_phantasm_imported IMPORTED_TARGETS)
foreach(_target IN LISTS _phantasm_imported)
  if(NOT _target MATCHES "^ns3::")
    continue()
  endif()
  # /usr/include is the compiler's own search path (so ns-3's headers are system headers:
  # their warnings stay out of -Werror); nothing else is needed.
  set_property(TARGET ${_target} PROPERTY INTERFACE_INCLUDE_DIRECTORIES "/usr/include")
  get_target_property(_links ${_target} INTERFACE_LINK_LIBRARIES)
  if(_links)
    list(FILTER _links EXCLUDE REGEX "^/usr/lib/.*\\.so$")
    set_property(TARGET ${_target} PROPERTY INTERFACE_LINK_LIBRARIES "${_links}")
  endif()
endforeach()

foreach(_module core network point-to-point)
  if(NOT TARGET ns3::lib${_module})
    set(PHANTASM_NS3_WHY_NOT "ns-3 found, but without its ${_module} module")
    return()
  endif()
endforeach()
set(PHANTASM_NS3_FOUND TRUE)
