// Package figure draws the figure leaky run writes: a stack of panels on
// one time axis — traces, spike rasters, population rates — in one PNG,
// with gonum.org/v1/plot. Which panels a run shows (the seed notebook's
// three for one neuron, or every recorded population's) is the driver's
// choice; this package only draws them.
package figure
