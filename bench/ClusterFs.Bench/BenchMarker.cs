namespace ClusterFs.Bench;

/// <summary>Anchor type for <c>BenchmarkSwitcher</c>: benchmarks are discovered in this assembly.</summary>
public static class BenchMarker;
