# Guest images are a different program for a different CPU: built with the host gcc in
# 32-bit freestanding mode and GNU ld with our own linker script, never linked into host code.
#
# add_guest_image(NAME <name> LINKER_SCRIPT <file.ld> SOURCES <files...> [DEFINES <d...>]
#                 [INCLUDES <dirs...>])
# produces ${CMAKE_CURRENT_BINARY_DIR}/<name>.elf and a target guest_<name>.
#
# Guest sources may include the shared ABI headers as "abi/..." and nothing else of the host:
# the include path holds only a link to the repository's abi/ folder.
set(KJUMP_GUEST_ABI_INCLUDE ${CMAKE_BINARY_DIR}/guest-include)
file(MAKE_DIRECTORY ${KJUMP_GUEST_ABI_INCLUDE})
file(CREATE_LINK ${CMAKE_SOURCE_DIR}/abi ${KJUMP_GUEST_ABI_INCLUDE}/abi SYMBOLIC)
set(KJUMP_GUEST_CFLAGS -m32 -march=i686 -ffreestanding -nostdlib -fno-pic -fno-pie
    -fno-stack-protector -fno-builtin -mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables
    -O2 -g -Wall -Wextra -Wno-unused-parameter
    # Guest images must not depend on where the checkout or the build directory is: they are
    # served to guests as fw_cfg files and hashed into golden traces.
    # The last matching map wins: abi/ headers are named as in the source tree.
    -ffile-prefix-map=${CMAKE_SOURCE_DIR}=/kjump -ffile-prefix-map=${CMAKE_BINARY_DIR}=/kjump-build
    -ffile-prefix-map=${CMAKE_BINARY_DIR}/guest-include=/kjump)
set(KJUMP_GUEST_CXXFLAGS -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit -std=gnu++20)

execute_process(COMMAND ${CMAKE_C_COMPILER} -m32 -print-libgcc-file-name
                OUTPUT_VARIABLE KJUMP_GUEST_LIBGCC OUTPUT_STRIP_TRAILING_WHITESPACE)

function(add_guest_image)
  cmake_parse_arguments(G "" "NAME;LINKER_SCRIPT" "SOURCES;DEFINES;INCLUDES" ${ARGN})
  set(objs)
  set(incs -I${KJUMP_GUEST_ABI_INCLUDE})
  foreach(i ${G_INCLUDES})
    list(APPEND incs -I${i})
  endforeach()
  set(defs)
  foreach(d ${G_DEFINES})
    list(APPEND defs -D${d})
  endforeach()
  foreach(src ${G_SOURCES})
    get_filename_component(abs ${src} ABSOLUTE)
    file(RELATIVE_PATH rel ${CMAKE_CURRENT_SOURCE_DIR} ${abs})
    string(REPLACE "/" "_" flat ${rel})
    set(obj ${CMAKE_CURRENT_BINARY_DIR}/${G_NAME}.objs/${flat}.o)
    get_filename_component(ext ${src} EXT)
    if(ext STREQUAL ".cpp")
      set(lang_flags ${KJUMP_GUEST_CXXFLAGS})
      set(compiler ${CMAKE_CXX_COMPILER})
    else()
      set(lang_flags -std=gnu11)
      set(compiler ${CMAKE_C_COMPILER})
    endif()
    if(ext STREQUAL ".S")
      set(lang_flags)
    endif()
    add_custom_command(OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/${G_NAME}.objs
      COMMAND ${compiler} ${KJUMP_GUEST_CFLAGS} ${lang_flags} ${defs} ${incs}
              -MD -MF ${obj}.d -c ${abs} -o ${obj}
      DEPENDS ${abs}
      DEPFILE ${obj}.d
      COMMENT "guest ${G_NAME}: ${rel}"
      VERBATIM)
    list(APPEND objs ${obj})
  endforeach()
  get_filename_component(ld_abs ${G_LINKER_SCRIPT} ABSOLUTE)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${G_NAME}.elf)
  add_custom_command(OUTPUT ${out}
    COMMAND ld -m elf_i386 -T ${ld_abs} --no-warn-rwx-segments -nostdlib -o ${out} ${objs} ${KJUMP_GUEST_LIBGCC}
    DEPENDS ${objs} ${ld_abs}
    COMMENT "guest ${G_NAME}: link ${G_NAME}.elf"
    VERBATIM)
  set(bin ${CMAKE_CURRENT_BINARY_DIR}/${G_NAME}.bin)
  add_custom_command(OUTPUT ${bin}
    COMMAND objcopy -O binary ${out} ${bin}
    DEPENDS ${out}
    COMMENT "guest ${G_NAME}: flat ${G_NAME}.bin"
    VERBATIM)
  add_custom_target(guest_${G_NAME} ALL DEPENDS ${out} ${bin})
  set_property(GLOBAL PROPERTY KJUMP_GUEST_${G_NAME} ${out})
endfunction()
