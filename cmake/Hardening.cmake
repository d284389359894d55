# The hardening Debian builds its own packages with (docs/packaging.md#hardening), set
# here so that every build gets it: scripts/build.sh, scripts/bench.sh, scripts/package.sh
# and a plain `cmake`. Only in Release and RelWithDebInfo: _FORTIFY_SOURCE needs
# optimization, and Debug builds are the sanitizer and fuzz builds.
#
#   -D_FORTIFY_SOURCE=2             checked variants of memcpy, read, snprintf... (not with
#                                   the sanitizers: ASan intercepts the unchecked ones)
#   -fstack-protector-strong        canaries in functions with arrays or address-taken locals
#   -fstack-clash-protection        large stack allocations probe every page
#   -fcf-protection                 CET: endbr64 landing pads and shadow-stack marking (x86)
#   -Wformat -Werror=format-security  a non-literal format string without arguments is an error
#   -Wl,-z,relro -Wl,-z,now         full RELRO: every symbol bound at start, GOT read-only
#   PIE                             executables linked -pie (shared libraries are PIC anyway)
option(MJ_HARDENING "Build Release and RelWithDebInfo with Debian's hardening flags (docs/packaging.md)" ON)

if(MJ_HARDENING)
  # PIE for executables: CMAKE_POSITION_INDEPENDENT_CODE (top-level CMakeLists.txt) then
  # also links them with -pie (policy CMP0083), not only compiles them with -fPIE.
  include(CheckPIESupported)
  check_pie_supported()

  include(CheckCXXCompilerFlag)
  set(_mj_harden_compile -fstack-protector-strong -Wformat -Werror=format-security)
  # Not every compiler and target has these (-fcf-protection is x86 only).
  foreach(flag -fstack-clash-protection -fcf-protection)
    string(MAKE_C_IDENTIFIER "MJ_HAS${flag}" var)
    check_cxx_compiler_flag(${flag} ${var})
    if(${var})
      list(APPEND _mj_harden_compile ${flag})
    endif()
  endforeach()
  # An option, not a definition, so that the -U_FORTIFY_SOURCE of the tests' -O0 code
  # (tests/CMakeLists.txt) comes after it on the command line. (No -U here first: CMake
  # drops repeated options, the tests' one too.) Not with the sanitizers, nor in a fuzz
  # build, whose targets are built with ASan.
  if(NOT MJ_SANITIZE AND NOT MJ_BUILD_FUZZERS)
    list(APPEND _mj_harden_compile -D_FORTIFY_SOURCE=2)
  endif()

  set(_mj_optimized "$<OR:$<CONFIG:Release>,$<CONFIG:RelWithDebInfo>>")
  add_compile_options("$<${_mj_optimized}:${_mj_harden_compile}>")
  add_link_options("$<${_mj_optimized}:-Wl,-z,relro;-Wl,-z,now>")
  unset(_mj_harden_compile)
  unset(_mj_optimized)
endif()
