# Warning and sanitizer flags shared by every target of the project (third-party headers are
# included as SYSTEM so that their warnings do not trip -Werror).
add_library(phantasm_warnings INTERFACE)
# -Wnull-dereference is left out: g++ 12 raises it falsely on vector indexing at -O2.
target_compile_options(phantasm_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
  -Wimplicit-fallthrough)
# g++ 12 at -O2/-O3 reports -Wrestrict falsely on std::string concatenation (GCC bug 105329);
# every string '"literal" + s' would trip -Werror in release builds.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(phantasm_warnings INTERFACE -Wno-restrict)
endif()
if(PHANTASM_WERROR)
  target_compile_options(phantasm_warnings INTERFACE -Werror)
endif()

if(PHANTASM_SANITIZE)
  add_compile_options(-fsanitize=${PHANTASM_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${PHANTASM_SANITIZE})
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()
