using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(ClusterFs.Bench.BenchMarker).Assembly).Run(args);
