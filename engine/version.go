package engine

// Version is leaky's version. Checkpoints record it and refuse to resume
// under another, because a change to the engine may change the bits a run
// produces.
const Version = "0.1.0"
