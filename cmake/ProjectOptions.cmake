# Compile options for the project's own code. Third-party headers (GLib,
# Wireshark) come in as SYSTEM includes so -Werror judges only our code.

set(CMAKE_CXX_FLAGS_ASAN
    "-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
    CACHE STRING "Flags for the ASan+UBSan build" FORCE)
set(CMAKE_C_FLAGS_ASAN "${CMAKE_CXX_FLAGS_ASAN}" CACHE STRING "" FORCE)
set(CMAKE_EXE_LINKER_FLAGS_ASAN "-fsanitize=address,undefined" CACHE STRING "" FORCE)
set(CMAKE_SHARED_LINKER_FLAGS_ASAN "-fsanitize=address,undefined" CACHE STRING "" FORCE)
set(CMAKE_MODULE_LINKER_FLAGS_ASAN "-fsanitize=address,undefined" CACHE STRING "" FORCE)

# Warnings are errors for developers and CI. A distribution's package build
# (debian/rules) turns this off: its compiler and flags change under the
# sources, and a new warning there must not make the package unbuildable;
# `make deb` still refuses a build log with compiler warnings in it.
option(IMUP_WERROR "Treat compiler warnings in the project's code as errors" ON)

# imup_project_target(<target>): the warning set every target of ours uses.
function(imup_project_target target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(IMUP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  # GCC 12's -Wrestrict misfires on std::string concatenation at -O2/-O3
  # (GCC bug 105329); the warning stays on for clang.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()
