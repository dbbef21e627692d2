// Package numpytest lets tests check leaky's files against NumPy itself,
// running scripts with the system Python.
//
// Where NumPy is missing, tests skip with a message on a developer's
// machine, but fail when the CI environment variable is set: the checks
// against NumPy are part of what CI must prove, so a CI machine without
// NumPy is a broken CI machine, not a reason to pass.
package numpytest
