using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// A mounted directory (a ClusterFs FUSE mount, or any local filesystem to validate the tests). Its
/// features are probed once by trying each one on a probe file, so e.g. O_DIRECT on a filesystem
/// that refuses it makes the dio tests notrun instead of fail.
/// </summary>
public sealed class MountTarget : TestTarget
{
    private readonly TargetFeatures _features;

    /// <summary>
    /// Probes <paramref name="root"/> (creating and removing a probe directory in it), then masks off
    /// <paramref name="without"/>.
    /// </summary>
    public MountTarget(string root, TargetFeatures without = TargetFeatures.None)
    {
        Root = root;
        _features = Probe(root) & ~without | TargetFeatures.Paths;
    }

    public string Root { get; }

    public override string Spec => "mount:" + Root;

    public override TargetFeatures Features => _features;

    public override ScratchArea CreateScratch(string testName)
    {
        string dir = Path.Combine(Root, $"xfstests-lite.{Environment.ProcessId}.{testName.Replace('/', '-')}");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        return new ScratchArea(dir);
    }

    private static TargetFeatures Probe(string root)
    {
        // aio is emulated with concurrent positional I/O (see README), so any path target has it.
        var features = TargetFeatures.Paths | TargetFeatures.Aio;
        using var scratch = new ScratchArea(Path.Combine(root, $"xfstests-lite.{Environment.ProcessId}.probe"));
        Directory.CreateDirectory(scratch.Path!);
        string file = Path.Combine(scratch.Path!, "probe");
        using (var fd = FileDescriptor.Open(file, Posix.O_RDWR | Posix.O_CREAT))
        {
            if (Posix.Fallocate(fd.Fd, 0, 0, 8192) == 0) features |= TargetFeatures.Fallocate;
            if (Posix.Fallocate(fd.Fd, Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE, 0, 4096) == 0)
                features |= TargetFeatures.PunchHole;
            Posix.Ftruncate(fd.Fd, 8192);
            if (ProbeMmap(fd.Fd)) features |= TargetFeatures.Mmap;
        }
        if (ProbeDirectIo(file)) features |= TargetFeatures.DirectIo;
        return features;
    }

    private static bool ProbeMmap(int fd)
    {
        long addr = Posix.Mmap(4096, Posix.PROT_READ | Posix.PROT_WRITE, fd, 0);
        if (addr < 0) return false;
        unsafe { *(byte*)addr = 0x5a; }
        bool ok = Posix.Msync((nint)addr, 4096, Posix.MS_SYNC) == 0;
        Posix.Munmap((nint)addr, 4096);
        return ok;
    }

    private static bool ProbeDirectIo(string file)
    {
        if (FileDescriptor.TryOpen(file, Posix.O_RDWR | Posix.O_DIRECT, out var fd) < 0 || fd is null) return false;
        using (fd)
        using (var buf = new AlignedBuffer(4096))
        {
            buf.Span.Fill(0xa5);
            return Posix.Pwrite(fd.Fd, buf.Address, 4096, 4096) == 4096 &&
                   Posix.Pread(fd.Fd, buf.Address, 4096, 0) == 4096;
        }
    }
}
