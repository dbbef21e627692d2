package main

import (
	. "github.com/mmcloughlin/avo/build"
)

func main() {
	ConstraintExpr("!purego,!noasm")
	TEXT("nop", NOSPLIT, "func()")
	RET()
	Generate()
}
