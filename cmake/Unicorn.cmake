# Unicorn >= 2.1.4: the project-local prefix made by scripts/fetch-unicorn.sh, or a new
# enough system library. Never Debian 12's 2.0.1 (it ignores guest page tables).
set(_uc_prefix ${CMAKE_SOURCE_DIR}/.deps/unicorn/usr)
if(EXISTS ${_uc_prefix}/include/unicorn/unicorn.h)
  file(GLOB _uc_lib ${_uc_prefix}/lib/*/libunicorn.so.2)
  add_library(kjump::unicorn SHARED IMPORTED GLOBAL)
  set_target_properties(kjump::unicorn PROPERTIES
    IMPORTED_LOCATION ${_uc_lib}
    IMPORTED_NO_SONAME FALSE
    INTERFACE_INCLUDE_DIRECTORIES ${_uc_prefix}/include)
  get_filename_component(_uc_libdir ${_uc_lib} DIRECTORY)
  set(CMAKE_BUILD_RPATH ${CMAKE_BUILD_RPATH} ${_uc_libdir})
  message(STATUS "Unicorn: project-local ${_uc_lib}")
else()
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(UNICORN IMPORTED_TARGET unicorn>=2.1.4)
  if(NOT UNICORN_FOUND)
    message(FATAL_ERROR "Unicorn >= 2.1.4 not found: run scripts/setup.sh first")
  endif()
  add_library(kjump::unicorn INTERFACE IMPORTED GLOBAL)
  target_link_libraries(kjump::unicorn INTERFACE PkgConfig::UNICORN)
endif()
