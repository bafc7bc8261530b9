using System.Text;
using ClusterFs.Cli.Demo;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;
using Microsoft.Extensions.Logging;

namespace ClusterFs.Cli.Commands;

/// <summary>
/// `clusterfs demo`: the gfs2 mmap deadlock in miniature. A task reads a file into a buffer that is an
/// mmap of the same file while holding the file's lock; faulting on the buffer would need that lock.
/// With page faults disabled the copy fails short instead of recursing; the task drops the lock,
/// faults the buffer in, retakes the lock and retries successfully.
/// </summary>
public sealed class DemoCommand : ICommand
{
    private const int Pages = 4;

    public string Name => "demo";

    public string Usage => "demo";

    public int Run(IReadOnlyList<string> args, ILoggerFactory logging)
    {
        if (args.Count != 0) throw new UsageException("demo takes no arguments");
        using var mm = new AddressSpace();
        var file = new DemoFileOperations();
        long mapped = mm.MmapFile(0, Pages * Page.Size, Prot.Read | Prot.Write, MapFlags.Shared, new VmMapping(file), 0);
        if (mapped < 0)
        {
            Console.Error.WriteLine($"clusterfs demo: mmap failed: {Errno.FromResult(mapped)}");
            return 1;
        }
        ulong buf = (ulong)mapped;
        var data = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("ClusterFs never faults under a glock. ", 450)))
            .AsSpan(0, Pages * Page.Size).ToArray();
        Console.WriteLine($"mapped the demo file ({Pages} pages) at {buf:x}; reading the file into that mapping");

        // The first page is already resident and writable, so the short copies below stop at page 1.
        if (FaultIn.SafeWriteable(mm, buf, Page.Size) != 0) return Fail("could not fault in the first page");
        if (!file.TryLock()) return Fail("could not take the file lock");
        Console.WriteLine("1. holding the file lock, copy with page faults ENABLED:");
        long left = mm.CopyToUser(buf, data);
        Console.WriteLine($"   copied {data.Length - left} of {data.Length} bytes: the fault handler needed the lock we hold");

        Console.WriteLine("2. holding the file lock, copy with page faults DISABLED:");
        int callsBefore = file.HandlerCalls;
        using (Faults.Disable()) left = mm.CopyToUser(buf, data);
        Console.WriteLine($"   copied {data.Length - left} of {data.Length} bytes, fault handler calls: {file.HandlerCalls - callsBefore} (no recursion)");

        int round = 0;
        while (left > 0 && round++ < 3)
        {
            long done = data.Length - left;
            Console.WriteLine($"3.{round} drop the lock, fault in {left} bytes for write, retake the lock, retry:");
            file.Unlock();
            long notFaulted = FaultIn.SafeWriteable(mm, buf + (ulong)done, left);
            if (!file.TryLock()) return Fail("could not retake the file lock");
            using (Faults.Disable()) left = mm.CopyToUser(buf + (ulong)done, data.AsSpan((int)done));
            Console.WriteLine($"   fault-in left {notFaulted} bytes; retry copied {data.Length - done - left} more, {left} left");
        }
        file.Unlock();

        var check = new byte[data.Length];
        bool ok = left == 0 && mm.CopyFromUser(buf, check) == 0 && check.AsSpan().SequenceEqual(data)
            && file.CachePage(Pages - 1).Span.SequenceEqual(data.AsSpan((Pages - 1) * Page.Size));
        Console.WriteLine(ok ? "done: the file now holds the data, no deadlock." : "FAILED: data mismatch");
        return ok ? 0 : 1;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"clusterfs demo: {message}");
        return 1;
    }
}
