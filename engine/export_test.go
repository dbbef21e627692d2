package engine

// BlockOf is rank r's block of n neurons among k ranks, for the tests of
// what a rank holds.
var BlockOf = blockOf
