//go:build !purego && !noasm

#include "textflag.h"

// func cubaUpdate32AVX2(V, I0, Iin0, I1, Iin1 *float32, refrac *int32, words int, p *CubaParams32, spikes *uint64) int
// Requires: AVX, AVX2, POPCNT
//
// Written by hand (not generated): the CUBA update of kernels/cuba.go,
// eight neurons per vector, eight vectors per spike word. Products are
// rounded before they are added (VMULPS then VADDPS), as in the Go loop.
TEXT ·cubaUpdate32AVX2(SB), NOSPLIT, $0-80
	MOVQ V+0(FP), AX
	MOVQ I0+8(FP), BX
	MOVQ Iin0+16(FP), CX
	MOVQ I1+24(FP), DX
	MOVQ Iin1+32(FP), SI
	MOVQ refrac+40(FP), DI
	MOVQ words+48(FP), R8
	MOVQ p+56(FP), R9
	MOVQ spikes+64(FP), R10
	XORQ R11, R11
	VBROADCASTSS 0(R9), Y0  // A0
	VBROADCASTSS 4(R9), Y1  // A1
	VBROADCASTSS 8(R9), Y2  // Beta
	VBROADCASTSS 12(R9), Y3 // VLeak
	VBROADCASTSS 16(R9), Y4 // Gain
	VBROADCASTSS 20(R9), Y5 // Theta
	VBROADCASTSS 24(R9), Y6 // VReset
	VPBROADCASTD 28(R9), Y7 // Hold
	VPXOR        Y8, Y8, Y8
	TESTQ        R8, R8
	JZ           done

word:
	XORQ R12, R12
	MOVQ $8, R13

vec:
	VMOVUPS (BX), Y9              // c0
	VMOVUPS (DX), Y10             // c1
	VMULPS  Y0, Y9, Y11
	VADDPS  (CX), Y11, Y11
	VMOVUPS Y11, (BX)             // I0 = A0·c0 + Iin0
	VMULPS  Y1, Y10, Y11
	VADDPS  (SI), Y11, Y11
	VMOVUPS Y11, (DX)             // I1 = A1·c1 + Iin1
	VADDPS  Y10, Y9, Y9           // c0 + c1
	VMULPS  Y4, Y9, Y9            // Gain·(c0 + c1)
	VMOVUPS (AX), Y10             // x = V
	VSUBPS  Y3, Y10, Y11          // x − VLeak
	VMULPS  Y2, Y11, Y11          // Beta·(x − VLeak)
	VADDPS  Y11, Y3, Y11          // VLeak + …
	VADDPS  Y9, Y11, Y11          // v'
	VMOVDQU (DI), Y12             // refrac
	VPCMPGTD Y8, Y12, Y13         // held = refrac > 0
	VCMPPS  $0x1e, Y5, Y10, Y14   // x > Theta (ordered)
	VANDNPS Y14, Y13, Y14         // spike = ¬held ∧ x > Theta
	VBLENDVPS Y14, Y6, Y11, Y11   // spike ? VReset : v'
	VBLENDVPS Y13, Y10, Y11, Y11  // held ? x : …
	VMOVUPS Y11, (AX)
	VPADDD  Y13, Y12, Y12         // refrac − 1 where held (the mask is −1)
	VBLENDVPS Y14, Y7, Y12, Y12   // spike ? Hold : …
	VMOVDQU Y12, (DI)
	VMOVMSKPS Y14, R14
	SHLQ    $56, R14              // this vector's 8 bits enter at the top;
	SHRQ    $8, R12               // after 8 vectors the first is at bit 0
	ORQ     R14, R12
	ADDQ    $32, AX
	ADDQ    $32, BX
	ADDQ    $32, CX
	ADDQ    $32, DX
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    R13
	JNZ     vec

	MOVQ    R12, (R10)
	POPCNTQ R12, R14
	ADDQ    R14, R11
	ADDQ    $8, R10
	DECQ    R8
	JNZ     word

done:
	VZEROUPPER
	MOVQ R11, ret+72(FP)
	RET
