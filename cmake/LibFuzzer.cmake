# libFuzzer needs clang; the project itself builds with the default compiler.
# imup_add_libfuzzer compiles a fuzz target's sources with clang++ in one
# command, so the fuzzers exist whatever compiler configured the build.
#
#   imup_add_libfuzzer(NAME <n> SOURCES <files...> LIBRARIES <targets...>
#                      [PKG_MODULES <pkg-config modules...>] [LINK <flags...>]
#                      CORPUS <dir> [SECONDS <smoke-seconds>])
#
# SOURCES are the fuzz target's own files; every library in LIBRARIES (the
# project's own targets, each named once, not followed transitively) is
# compiled in from its target's own SOURCES list, with its include
# directories, so a file added to a library reaches its fuzzers too.
# PKG_MODULES are the system libraries (glib-2.0) whose flags pkg-config
# gives; LINK adds other linker flags (-lpcap).
#
# It adds the target fuzz-<n> (building <n>_fuzzer), a ctest test fuzz.<n> that runs it for SECONDS
# (default 15) on a scratch copy of CORPUS, and a line "<binary> <corpus>" in
# <build>/fuzzers.txt, which `make fuzz` reads for the longer runs.

find_program(IMUP_CLANGXX NAMES clang++)

file(WRITE "${CMAKE_BINARY_DIR}/fuzzers.txt" "")

function(imup_add_libfuzzer)
  cmake_parse_arguments(F "" "NAME;CORPUS;SECONDS" "SOURCES;LIBRARIES;PKG_MODULES;LINK" ${ARGN})
  if(NOT IMUP_CLANGXX)
    message(WARNING "clang++ not found: fuzz target ${F_NAME} is not built")
    return()
  endif()
  if(NOT F_SECONDS)
    set(F_SECONDS 15)
  endif()
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${F_NAME}_fuzzer")
  set(incs "")
  set(sources ${F_SOURCES})
  foreach(lib ${F_LIBRARIES})
    get_target_property(lib_dir ${lib} SOURCE_DIR)
    get_target_property(lib_sources ${lib} SOURCES)
    foreach(src ${lib_sources})
      if(src MATCHES "\\.(cpp|c)$")
        if(NOT IS_ABSOLUTE "${src}")
          set(src "${lib_dir}/${src}")
        endif()
        list(APPEND sources "${src}")
      endif()
    endforeach()
    # Definitions the library's own files are compiled with (IMUP_VERSION).
    if(NOT lib_sources STREQUAL "lib_sources-NOTFOUND")
      get_target_property(lib_defs ${lib} COMPILE_DEFINITIONS)
      foreach(def ${lib_defs})
        if(def AND NOT def MATCHES "NOTFOUND$")
          list(APPEND incs "-D${def}")
        endif()
      endforeach()
    endif()
    get_target_property(lib_incs ${lib} INTERFACE_INCLUDE_DIRECTORIES)
    foreach(dir ${lib_incs})
      list(APPEND incs "-I${dir}")
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES incs)
  set(pkg_flags "")
  if(F_PKG_MODULES)
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(IMUP_FUZZ_${F_NAME} REQUIRED ${F_PKG_MODULES})
    set(pkg_flags ${IMUP_FUZZ_${F_NAME}_CFLAGS} ${IMUP_FUZZ_${F_NAME}_LDFLAGS})
  endif()
  add_custom_command(
    OUTPUT "${out}"
    COMMAND "${IMUP_CLANGXX}" -std=c++20 -O1 -g -fno-omit-frame-pointer
            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
            -Wall -Wextra -Werror ${incs} ${sources} ${pkg_flags} ${F_LINK} -o "${out}"
    DEPENDS ${sources}
    IMPLICIT_DEPENDS CXX ${sources}
    COMMENT "Building libFuzzer target ${F_NAME} with clang++"
    VERBATIM)
  add_custom_target(fuzz-${F_NAME} ALL DEPENDS "${out}")

  set(runner "${PROJECT_SOURCE_DIR}/tests/fuzz/run-fuzzer.sh")
  add_test(NAME fuzz.${F_NAME}
           COMMAND sh "${runner}" "${out}" "${F_CORPUS}" "${F_SECONDS}")
  set_tests_properties(fuzz.${F_NAME} PROPERTIES LABELS fuzz TIMEOUT 300)
  file(APPEND "${CMAKE_BINARY_DIR}/fuzzers.txt" "${out} ${F_CORPUS}\n")
endfunction()
