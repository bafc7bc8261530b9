using System.Runtime.InteropServices;
using ClusterFs.Fuse;
using ClusterFs.FusePassthrough;

// clusterfs-fuse-passthrough SOURCE MOUNTPOINT [THREADS]: mounts until SIGINT/SIGTERM, then unmounts.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: ClusterFs.FusePassthrough SOURCE MOUNTPOINT [THREADS]");
    return 2;
}
int threads = args.Length > 2 ? int.Parse(args[2]) : 10;
var options = new FuseMountOptions
{
    Session = new FuseSessionOptions { FsName = "cfs-passthrough", Subtype = "cfs-passthrough" },
    Loop = new FuseLoopOptions { MaxThreads = threads },
};
using var mount = FuseMount.Mount(new PassthroughFs(args[0]), args[1], options);
if (!mount.WaitUntilLive(TimeSpan.FromSeconds(10)))
{
    Console.Error.WriteLine($"mount at {args[1]} did not become live");
    return 1;
}
using var stop = new ManualResetEventSlim();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
Console.WriteLine("mounted");
stop.Wait();
return 0;
