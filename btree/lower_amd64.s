//go:build !purego

#include "textflag.h"

// NARROW halves the window [AX, AX+CX) of the heads at SI with a
// branchless (CMOV) step until at most 16 remain; DX holds q.
#define NARROW(loop, done) \
loop: \
	CMPQ CX, $16 \
	JLE  done \
	MOVQ CX, BX \
	SHRQ $1, BX \
	LEAQ -1(AX)(BX*1), DI \
	LEAQ (AX)(BX*1), R9 \
	MOVQ (SI)(DI*8), R8 \
	CMPQ R8, DX \
	CMOVQCS R9, AX \
	SUBQ BX, CX \
	JMP  loop


// func lowerBoundAVX512(h []uint64, q uint64) int
//
// Branchless binary search (CMOV) until at most 16 heads remain, then one
// or two 8-lane unsigned compares count the heads below q. Masked loads
// never touch memory past the slice.
TEXT ·lowerBoundAVX512(SB), NOSPLIT, $0-40
	MOVQ h_base+0(FP), SI
	MOVQ h_len+8(FP), CX
	MOVQ q+24(FP), DX
	XORQ AX, AX

	NARROW(narrow512, count512)

count512:
	VPBROADCASTQ DX, Z0
	LEAQ (SI)(AX*8), SI

chunk512:
	TESTQ CX, CX
	JLE   done512
	MOVQ  CX, R11
	CMPQ  R11, $8
	JLE   mask512
	MOVQ  $8, R11

mask512:
	MOVQ  CX, R12
	MOVQ  R11, CX
	MOVQ  $1, R10
	SHLQ  CX, R10
	DECQ  R10
	MOVQ  R12, CX
	KMOVQ R10, K1
	VMOVDQU64.Z (SI), K1, Z1
	VPCMPUQ $1, Z0, Z1, K1, K2
	KMOVQ K2, R10
	POPCNTQ R10, R10
	ADDQ  R10, AX
	ADDQ  $64, SI
	SUBQ  R11, CX
	JMP   chunk512

done512:
	VZEROUPPER
	MOVQ AX, ret+32(FP)
	RET

// func lowerBoundAVX2(h []uint64, q uint64) int
//
// The same narrowing, then 4-lane signed compares of sign-flipped heads
// (AVX2 has no unsigned 64-bit compare) and a scalar tail.
TEXT ·lowerBoundAVX2(SB), NOSPLIT, $0-40
	MOVQ h_base+0(FP), SI
	MOVQ h_len+8(FP), CX
	MOVQ q+24(FP), DX
	XORQ AX, AX

	NARROW(narrow2, count2)

count2:
	LEAQ (SI)(AX*8), SI
	MOVQ $0x8000000000000000, R8
	MOVQ R8, X2
	VPBROADCASTQ X2, Y2
	MOVQ DX, R9
	XORQ R8, R9
	MOVQ R9, X0
	VPBROADCASTQ X0, Y0

vec2:
	CMPQ CX, $4
	JL   tail2
	VMOVDQU (SI), Y1
	VPXOR   Y2, Y1, Y1
	VPCMPGTQ Y1, Y0, Y3
	VMOVMSKPD Y3, R10
	POPCNTQ R10, R10
	ADDQ R10, AX
	ADDQ $32, SI
	SUBQ $4, CX
	JMP  vec2

tail2:
	TESTQ CX, CX
	JLE   done2
	MOVQ  (SI), R8
	CMPQ  R8, DX
	ADCQ  $0, AX
	ADDQ  $8, SI
	DECQ  CX
	JMP   tail2

done2:
	VZEROUPPER
	MOVQ AX, ret+32(FP)
	RET
