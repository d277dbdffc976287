//go:build !purego

#include "textflag.h"

// MASKS loads the 32 bytes at SI and sets the bit masks of their LFs
// (AX), dots (BX) and '=' signs (R8).
#define MASKS \
	VMOVDQU (SI), Y3 \
	VPCMPEQB Y0, Y3, Y4 \
	VPCMPEQB Y1, Y3, Y5 \
	VPCMPEQB Y2, Y3, Y6 \
	VPMOVMSKB Y4, AX \
	VPMOVMSKB Y5, BX \
	VPMOVMSKB Y6, R8

// func indexBodyMarkAVX2(p []byte, start, eq bool) int
//
// p holds at least 32 bytes. Per 32-byte block: the LF, '.' and '='
// masks; line starts are the LF mask shifted up by one, with a carry in
// bit 0 (the block before ended in an LF, or start for the first block);
// a mark is a '.' at a line start, or an '=' when eq. The bytes after the
// last whole block are covered by one more block ending at p's end, its
// bytes already seen masked off. With no mark, it looks for the last LF
// from the end back.
TEXT ·indexBodyMarkAVX2(SB), NOSPLIT, $0-40
	MOVQ p_base+0(FP), SI
	MOVQ p_len+8(FP), CX
	MOVBQZX start+24(FP), DX
	MOVBQZX eq+25(FP), R9
	NEGQ R9                 // all ones when eq, else 0
	MOVQ SI, DI             // p's start
	LEAQ (SI)(CX*1), R12    // p's end
	MOVL $0x0a, AX
	MOVQ AX, X0
	VPBROADCASTB X0, Y0
	MOVL $0x2e, AX
	MOVQ AX, X1
	VPBROADCASTB X1, Y1
	MOVL $0x3d, AX
	MOVQ AX, X2
	VPBROADCASTB X2, Y2

loop:
	CMPQ CX, $32
	JB   tail
	MASKS
	LEAQ (DX)(AX*2), R10    // line starts (the next block's first in bit 32)
	SHRL $31, AX
	MOVQ AX, DX
	ANDQ R10, BX
	ANDQ R9, R8
	ORQ  R8, BX
	JNZ  found
	ADDQ $32, SI
	SUBQ $32, CX
	JMP  loop

found:
	BSFQ BX, BX
	SUBQ DI, SI
	ADDQ BX, SI
	MOVQ SI, ret+32(FP)
	VZEROUPPER
	RET

tail:
	// CX bytes (0 to 31) left: the block p[len-32:], of which the
	// first 32-CX bytes were seen. Their LFs give the line starts.
	TESTQ CX, CX
	JZ   none
	LEAQ -32(R12), SI
	MASKS
	SHLL $1, AX
	ANDL AX, BX
	ANDQ R9, R8
	ORL  R8, BX
	NEGQ CX
	ADDQ $32, CX            // 32-CX: the bytes already seen
	SHRL CX, BX
	JZ   none
	BSFL BX, BX
	ADDQ CX, BX
	SUBQ DI, SI
	ADDQ BX, SI
	MOVQ SI, ret+32(FP)
	VZEROUPPER
	RET

none:
	// No mark: find the last LF, block by block from the end.
	LEAQ -32(R12), SI
back:
	CMPQ SI, DI
	JB   first
	VMOVDQU (SI), Y3
	VPCMPEQB Y0, Y3, Y4
	VPMOVMSKB Y4, AX
	TESTL AX, AX
	JNZ  lf
	SUBQ $32, SI
	JMP  back

first:
	// Fewer than 32 bytes at p's start not looked at: the first block,
	// its bytes from there on masked off.
	MOVQ SI, CX
	SUBQ DI, CX
	ADDQ $32, CX            // bytes not looked at, 1 to 31
	VMOVDQU (DI), Y3
	VPCMPEQB Y0, Y3, Y4
	VPMOVMSKB Y4, AX
	MOVL $1, BX
	SHLL CX, BX
	DECL BX
	ANDL BX, AX
	MOVQ DI, SI
	TESTL AX, AX
	JNZ  lf
	MOVQ $-1, ret+32(FP)    // no LF: the line started before p
	VZEROUPPER
	RET

lf:
	BSRL AX, AX
	SUBQ DI, SI
	LEAQ 1(SI)(AX*1), SI    // the last line's start
	NOTQ SI                 // -1-start
	MOVQ SI, ret+32(FP)
	VZEROUPPER
	RET
