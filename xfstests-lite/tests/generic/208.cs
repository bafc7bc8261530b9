// generic/208: aio O_DIRECT writes from a 32 MiB buffer that was only read-faulted (zero-page PTEs)
// racing with buffered writes from the same buffer; must complete, never spin.
using ClusterFs.Fs.Api;
using ClusterFs.Fs.Files;
using ClusterFs.Fs.Vfs.Aio;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.XfsTests.Harness;

namespace ClusterFs.XfsTests.Generic;

/// <remarks>
/// Needs the in-process target: the point is how ClusterFs's GUP treats zero-page PTEs, which only the
/// user-memory model makes observable. A 32 MiB private anonymous buffer is read-faulted page by page
/// before every write (each PTE then maps the shared zero page: present, not writable). For a fixed
/// number of iterations an aio O_DIRECT write of the whole buffer (io_submit + io_getevents, bounded)
/// races with a thread doing buffered writes from the same buffer to the next 32 MiB of the file.
/// Mode "nofault" (the fix): GUP with NoFault maps zero pages, so every write goes direct and never
/// falls back. Mode "fastonly" (<see cref="IoDebugSwitches.GupFastOnly"/>, the unfixed livelock): GUP
/// refuses the zero-page PTEs, every direct round makes no progress, and the retry loop gives up at
/// its cap — observed per write through <see cref="IoDebugSwitches.DirectTrace"/> — and the write
/// completes through the buffered fallback: bounded, never an endless spin. The file holds zeros
/// afterwards. One line per mode.
/// </remarks>
[XfsTest("generic/208", "auto quick aio dio", Description = "aio DIO vs buffered writes from an unfaulted 32 MiB buffer",
    Requires = TargetFeatures.InProcess, TimeoutSeconds = 120)]
public sealed class Generic208 : IXfsTest
{
    private const int Len = 32 << 20, Iterations = 3;
    /// <summary>Far above the retry cap: more rounds than this for one write would be the spin 208 catches.</summary>
    private const int RoundBound = 16;
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    public void Run(TestContext ctx)
    {
        var p = ((InprocTarget)ctx.Target).Process;
        int bfd = (int)Checked(p.Open("/208", OpenFlags.Create | OpenFlags.ReadWrite), "open");
        // The direct range lies inside EOF on allocated blocks (a write past EOF would go buffered anyway).
        var fill = new byte[Len];
        Array.Fill(fill, (byte)0xa5);
        for (long off = 0; off < 2L * Len; off += Len) Checked(p.Pwrite(bfd, fill, off), "pwrite");
        Errors(p.Fsync(bfd), "fsync");
        int dfd = (int)Checked(p.Open("/208", OpenFlags.ReadWrite | OpenFlags.Direct), "open O_DIRECT");
        ulong buf = (ulong)Checked(p.Mm.Mmap(0, Len, Prot.Read | Prot.Write, MapFlags.Private), "mmap");
        try
        {
            RunMode(ctx, p, dfd, bfd, buf, fastOnly: false);
            RunMode(ctx, p, dfd, bfd, buf, fastOnly: true);
        }
        finally
        {
            IoDebugSwitches.GupFastOnly = false;
            IoDebugSwitches.DirectTrace = null;
        }
        var back = new byte[Len];
        for (long off = 0; off < 2L * Len; off += Len)
        {
            Checked(p.Pread(bfd, back, off), "pread");
            int bad = back.AsSpan().IndexOfAnyExcept((byte)0);
            if (bad >= 0) ctx.Out.WriteLine($"non-zero byte at offset {off + bad}");
        }
        Errors(p.Munmap(buf, Len), "munmap");
        Errors(p.Close(dfd), "close");
        Errors(p.Close(bfd), "close");
    }

    private static void RunMode(TestContext ctx, FsProcess p, int dfd, int bfd, ulong buf, bool fastOnly)
    {
        string mode = fastOnly ? "fastonly" : "nofault";
        using var aio = new AioContext(4);
        using var stop = new CancellationTokenSource();
        int racerWrites = 0;
        Exception? racerFailure = null;
        var racer = new Thread(() =>
        {
            try
            {
                do
                {
                    long n = p.Pwrite(bfd, buf, Len, Len);
                    if (n != Len) throw new InvalidOperationException($"buffered pwrite returned {n}");
                    Interlocked.Increment(ref racerWrites);
                }
                while (!stop.IsCancellationRequested && !ctx.Cancellation.IsCancellationRequested);
            }
            catch (Exception e) { racerFailure = e; }
        }) { IsBackground = true, Name = "208 buffered racer" };

        int completed = 0, direct = 0, stuck = 0, maxRounds = 0;
        IoDebugSwitches.GupFastOnly = fastOnly;
        racer.Start();
        try
        {
            for (int i = 0; i < Iterations && !ctx.Cancellation.IsCancellationRequested; i++)
            {
                // Read faults only: every PTE of the buffer maps the zero page.
                Errors(p.Mm.Madvise(buf, Len, Advice.DontNeed), "madvise");
                if (FaultIn.Readable(p.Mm, buf, Len) != 0) throw new InvalidOperationException("read fault-in failed");
                var trace = new DirectIoTrace();
                IoDebugSwitches.DirectTrace = trace;
                Errors(p.IoSubmit(aio, (ulong)i, dfd, write: true, buf, Len, 0), "io_submit");
                var ev = new AioEvent[1];
                if (aio.GetEvents(1, ev, s_bound) != 1)
                    throw new InvalidOperationException($"{mode}: aio write {i} did not complete within {s_bound.TotalSeconds:0} s");
                IoDebugSwitches.DirectTrace = null;
                ctx.Full.WriteLine($"{mode} write {i}: result {ev[0].Result}, rounds {trace.Rounds}, without progress " +
                    $"{trace.RoundsWithoutProgress}, fault-ins {trace.FaultIns}, cap hit {trace.RetryCapHit}, buffered {trace.BufferedBytes}");
                if (ev[0].Result == Len) completed++;
                if (!trace.RetryCapHit && trace.BufferedBytes == 0 && trace.RoundsWithoutProgress == 0) direct++;
                if (trace.RetryCapHit && trace.RoundsWithoutProgress == trace.Rounds && trace.BufferedBytes == Len) stuck++;
                maxRounds = Math.Max(maxRounds, trace.Rounds);
            }
        }
        finally
        {
            IoDebugSwitches.GupFastOnly = false;
            IoDebugSwitches.DirectTrace = null;
            stop.Cancel();
        }
        if (!racer.Join(s_bound)) throw new InvalidOperationException($"{mode}: the buffered racer did not stop");
        if (racerFailure is not null) throw new InvalidOperationException($"{mode}: buffered racer: {racerFailure.Message}", racerFailure);
        ctx.Full.WriteLine($"{mode}: {racerWrites} racing buffered writes");
        string bounded = maxRounds <= RoundBound ? "bounded" : $"UNBOUNDED ({maxRounds} rounds)";
        if (fastOnly)
            ctx.Out.WriteLine($"{mode}: {completed} of {Iterations} aio writes completed; {stuck} made no direct progress, hit the retry cap ({bounded}) and went buffered");
        else
            ctx.Out.WriteLine($"{mode}: {completed} of {Iterations} aio writes completed; {direct} went direct ({bounded})");
    }

    /// <summary>A count, fd or address; throws on -errno.</summary>
    private static long Checked(long r, string what) =>
        r < 0 ? throw new InvalidOperationException($"{what}: {new Errno((int)-r)}") : r;

    private static void Errors(Errno e, string what)
    {
        if (!e.IsOk) throw new InvalidOperationException($"{what}: {e}");
    }
}
