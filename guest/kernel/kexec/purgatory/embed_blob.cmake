# Turns a flat binary into an assembly file defining SYMBOL[] and SYMBOL_size, so the kernel
# carries the blob in .rodata (cmake -DBIN=file.bin -DOUT=file.S -DSYMBOL=name -P this).
file(READ ${BIN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE ",$" "" body "${body}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n  .byte " body "${body}")
string(REGEX REPLACE ",\n" "\n" body "${body}")
file(WRITE ${OUT} "/* Generated from ${BIN} by embed_blob.cmake. */
.section .rodata
.balign 16
.globl ${SYMBOL}
${SYMBOL}:
  .byte ${body}
.globl ${SYMBOL}_end
${SYMBOL}_end:
.section .note.GNU-stack, \"\", @progbits
")
