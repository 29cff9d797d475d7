/* A tiny bare-metal program that exercises the engine's CPU model: exact instruction
 * counting, interrupt and exception delivery through the IDT (error codes, ring 3 -> ring 0
 * through the TSS, #DF, triple fault) and timer interrupts at exact instants.
 * Linked flat at 0x1000 and entered in 32-bit protected mode with flat segments.
 * Entry points at fixed offsets so the host test needs no symbols:
 *   0x1000 exceptions   0x1010 timer_irq   0x1020 counted_loop
 * Results are 32-bit slots at RES (0x8000); the recovery EIP for fault handlers at RECOVER. */
#define RES      0x8000
#define RECOVER  0x8100
#define SLOT(n)  (RES + 4 * (n))

        .code32
        .section .text
        .globl _start
_start:
        jmp exceptions
        .balign 16, 0x90
        jmp timer_irq
        .balign 16, 0x90
        jmp counted_loop
        .balign 16, 0x90

/* ---- common set-up: GDT, segments, IDT ---- */
setup:
        lgdt gdt_ptr
        ljmp $0x08, $1f
1:      mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov %ax, %fs
        mov %ax, %gs
        /* TSS descriptor base */
        mov $tss, %eax
        mov %ax, gdt + 0x28 + 2
        shr $16, %eax
        mov %al, gdt + 0x28 + 4
        mov %ah, gdt + 0x28 + 7
        /* every vector -> unexpected, then the ones we handle */
        xor %ecx, %ecx
2:      mov $unexpected, %eax
        mov $0x8e00, %edx
        call set_gate
        inc %ecx
        cmp $256, %ecx
        jne 2b
        mov $6,  %ecx; mov $h_ud, %eax; mov $0x8e00, %edx; call set_gate
        mov $8,  %ecx; mov $h_df, %eax; mov $0x8e00, %edx; call set_gate
        mov $13, %ecx; mov $h_gp, %eax; mov $0x8e00, %edx; call set_gate
        mov $14, %ecx; mov $h_pf, %eax; mov $0x8e00, %edx; call set_gate
        mov $0x20, %ecx; mov $h_timer, %eax; mov $0x8e00, %edx; call set_gate
        mov $0x80, %ecx; mov $h_int80, %eax; mov $0xef00, %edx; call set_gate  /* trap gate, DPL 3 */
        lidt idt_ptr
        ret

/* set_gate: ecx = vector, eax = handler, edx = attributes (P|DPL|type << 8) */
set_gate:
        push %ebx
        lea idt(,%ecx,8), %ebx
        mov %ax, (%ebx)
        movw $0x08, 2(%ebx)
        shr $16, %eax
        mov %dx, 4(%ebx)
        mov %ax, 6(%ebx)
        pop %ebx
        ret

/* identity-map the first 4 MiB, user-accessible, with holes for the fault tests */
setup_paging:
        mov $page_table, %edi
        xor %eax, %eax
1:      mov %eax, %edx
        or $7, %edx
        mov %edx, (%edi)
        add $4, %edi
        add $0x1000, %eax
        cmp $0x400000, %eax
        jne 1b
        movl $0, page_table + 4 * 0x200        /* 0x200000 not present */
        movl $0, page_table + 4 * 0x201        /* 0x201000 not present */
        movl $0, page_table + 4 * 0x202        /* 0x202000 not present */
        movl $0x203003, page_table + 4 * 0x203 /* 0x203000 supervisor only */
        mov $page_table, %eax
        or $7, %eax
        mov %eax, page_dir
        mov $page_dir, %eax
        mov %eax, %cr3
        mov %cr0, %eax
        or $0x80000000, %eax
        mov %eax, %cr0
        ret

/* ---- 0x1000: exceptions ---- */
exceptions:
        mov $0x7000, %esp
        call setup
        call setup_paging
        int $0x80                               /* ring 0 software interrupt */
        movl $1f, RECOVER
        movl $0x11111111, 0x200000              /* #PF, error 2: write, not present */
1:      movl $1f, RECOVER
        mov 0x201000, %eax                      /* #PF, error 0: read, not present */
1:      movl $1f, RECOVER
        ud2                                     /* #UD */
1:      mov $0x28, %ax
        ltr %ax
        push $0x23                              /* iret to ring 3 */
        push $0x5000
        pushf
        push $0x1b
        push $user_code
        iret

user_code:
        mov $0x23, %ax
        mov %ax, %ds
        mov %ax, %es
        int $0x80                               /* ring 3 -> ring 0 through the TSS */
        movl $1f, RECOVER
        movl $0x22222222, 0x202000              /* #PF, error 6: user write, not present */
1:      movl $1f, RECOVER
        movl $0x33333333, 0x203000              /* #PF, error 7: user write, supervisor page */
1:      hlt                                     /* #GP(0): hlt at CPL 3 */

stage2:                                         /* entered from the #GP handler at CPL 0 */
        mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        andb $0x7f, idt + 14 * 8 + 5            /* #PF gate not present */
        movl $0, 0x202000                       /* #PF -> #NP while delivering -> #DF */
        jmp .

stage3:                                         /* entered from the #DF handler */
        andb $0x7f, idt + 8 * 8 + 5             /* #DF gate not present too */
        movl $0, 0x202000                       /* #PF -> #NP -> #DF -> #NP: triple fault */
        jmp .

/* ---- 0x1010: timer interrupts at exact instants ---- */
timer_irq:
        mov $0x7000, %esp
        call setup
        xor %ecx, %ecx
        sti
1:      inc %ecx
        jmp 1b

/* ---- 0x1020: a loop of known length: 1 + 3*1000 + 1 instructions ---- */
counted_loop:
        mov $1000, %ecx
1:      add %ecx, %eax
        dec %ecx
        jnz 1b
        hlt

/* ---- handlers ---- */
h_int80:
        incl SLOT(0)
        mov 4(%esp), %eax
        mov %eax, SLOT(1)                       /* CS of the caller */
        iret

h_pf:
        push %eax
        push %ebx
        mov SLOT(2), %ebx
        mov 8(%esp), %eax                       /* error code */
        mov %eax, SLOT(16)(,%ebx,4)
        mov %cr2, %eax
        mov %eax, SLOT(4)
        incl SLOT(2)
        pop %ebx
        pop %eax
        add $4, %esp                            /* drop the error code */
        push %eax
        mov RECOVER, %eax
        mov %eax, 4(%esp)                       /* resume at the recovery point */
        pop %eax
        iret

h_ud:
        incl SLOT(5)
        push %eax
        mov RECOVER, %eax
        mov %eax, 4(%esp)
        pop %eax
        iret

h_gp:
        incl SLOT(6)
        mov (%esp), %eax
        mov %eax, SLOT(7)
        mov 8(%esp), %eax
        mov %eax, SLOT(9)                       /* CS at the #GP: 0x1b */
        mov $0x7000, %esp
        jmp stage2

h_df:
        incl SLOT(8)
        mov (%esp), %eax
        mov %eax, SLOT(10)                      /* #DF error code: 0 */
        mov $0x7000, %esp
        jmp stage3

h_timer:
        rdtsc                                   /* virtual time at the first handler insn */
        mov %eax, SLOT(24)
        mov %ecx, SLOT(25)
        incl SLOT(26)
        iret

unexpected:
        cli
        hlt

        .section .data
        .balign 8
gdt:
        .quad 0
        .quad 0x00cf9a000000ffff                /* 0x08 kernel code */
        .quad 0x00cf92000000ffff                /* 0x10 kernel data */
        .quad 0x00cffa000000ffff                /* 0x18 user code (0x1b) */
        .quad 0x00cff2000000ffff                /* 0x20 user data (0x23) */
        .quad 0x0000890000000067                /* 0x28 TSS, base patched at run time */
gdt_end:
gdt_ptr:
        .word gdt_end - gdt - 1
        .long gdt
        .balign 8
idt_ptr:
        .word 256 * 8 - 1
        .long idt
        .balign 4
tss:
        .long 0
        .long 0x6000                            /* esp0 */
        .long 0x10                              /* ss0 */
        .fill 23, 4, 0

        .section .bss
        .balign 4096
page_dir:   .fill 1024, 4, 0
page_table: .fill 1024, 4, 0
idt:        .fill 256, 8, 0
