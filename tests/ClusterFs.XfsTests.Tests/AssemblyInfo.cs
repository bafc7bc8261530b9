// One test class at a time: in-process targets share the process-wide IoDebugSwitches (generic/208 turns on
// GupFastOnly, and every in-process run resets the switches when it ends), so a run in another class could switch
// FastOnly off in the middle of 208's fastonly half and change its golden output.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
