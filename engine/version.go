package engine

// Version is leaky's version. Checkpoints record it and refuse to resume
// under another, because a change to the engine may change the bits a run
// produces. 0.2.0 draws normal weights and initial states with Philox and
// Box–Muller; 0.3.0 draws float32 runs' notebook and procedural weights
// with a float32 Box–Muller; 0.4.0 sets subnormal state to zero every 64
// steps (README, "Changes").
const Version = "0.4.0"
