using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.Storage;
using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using FsCheck;
using FsCheck.Fluent;
using static ClusterFs.Fs.Tests.Iomap.DioTestData;

namespace ClusterFs.Fs.Tests.Iomap;

/// <summary>Random file layouts (holes, unwritten, mapped blocks), random buffer residency, sync or async
/// kiocbs: the fault-in-and-retry loop around <see cref="IomapDio.Rw"/> with Partial and done_before always
/// ends with exactly the bytes a byte-array model predicts.</summary>
public sealed class IomapDioPropertyTests
{
    private const int Blocks = 16;
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    private sealed record Case(int[] Kinds, bool[] Present, int StartBlock, int LengthBlocks, long Size, int BufferOffset, bool Async)
    {
        public override string ToString() =>
            $"kinds={string.Join("", Kinds)} present={string.Join("", Present.Select(p => p ? 1 : 0))} start={StartBlock} len={LengthBlocks} size={Size} bufOff={BufferOffset} async={Async}";
    }

    private static Gen<Case> Cases() =>
        from seed in Gen.Choose(0, int.MaxValue)
        select Make(new Random(seed));

    private static Case Make(Random r) => new(
        Enumerable.Range(0, Blocks).Select(_ => r.Next(3)).ToArray(),
        Enumerable.Range(0, Blocks + 1).Select(_ => r.Next(3) != 0).ToArray(),
        r.Next(Blocks), 1 + r.Next(Blocks), 1 + r.Next(Blocks * P), r.Next(2) * 1000, r.Next(2) == 1);

    private static FakeDioHost Host(Case c, MemoryBlockDevice device)
    {
        var host = new FakeDioHost(device, c.Size);
        for (int b = 0; b < Blocks; b++)
            if (c.Kinds[b] != 0) host.AddExtent(b * P, P, c.Kinds[b] == 1 ? IomapType.Unwritten : IomapType.Mapped, b * P);
        return host;
    }

    private static ulong Buffer(AddressSpace mm, Case c, byte[] content)
    {
        ulong addr = MapAbsent(mm, (Blocks + 2) * P);
        for (int i = 0; i <= Blocks; i++)
            if (c.Present[i]) Assert.Equal(0, mm.CopyToUser(addr + (ulong)(i * P), content.AsSpan(i * P, P)));
        return addr + (ulong)c.BufferOffset;
    }

    /// <summary>One direct I/O call; an asynchronous kiocb's queued result is waited for (bounded).</summary>
    private static long Call(Case c, long pos, IovIter iter, FakeDioHost host, long done, out long newPos)
    {
        using var completed = new ManualResetEventSlim(false);
        long result = 0;
        var iocb = c.Async
            ? new Kiocb(pos, KiocbFlags.Direct, (_, r) => { result = r; completed.Set(); })
            : new Kiocb(pos, KiocbFlags.Direct);
        iter.NoFault = true;
        long ret = IomapDio.Rw(iocb, iter, host, DioFlags.Partial, done);
        iter.NoFault = false;
        if (ret == Errno.EIOCBQUEUED.Negative)
        {
            Assert.True(completed.Wait(s_wait), "a queued direct I/O never completed");
            ret = result;
        }
        newPos = iocb.Position;
        return ret;
    }

    [Fact]
    public void DirectReadsWithFaultInRetriesReturnExactlyTheModelBytes()
    {
        Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            var image = Pattern(0, Blocks * P);
            var host = Host(c, new MemoryBlockDevice((byte[])image.Clone()));
            using var mm = new AddressSpace();
            ulong addr = Buffer(mm, c, Enumerable.Repeat((byte)0xAA, (Blocks + 2) * P).ToArray());
            long pos = c.StartBlock * P, len = c.LengthBlocks * P;
            var iter = IovIter.CreateUbuf(IterDirection.Dest, mm, addr, len);
            long done = 0, filePos = pos;
            for (int round = 0; round < 4 * Blocks; round++)
            {
                long ret = Call(c, filePos, iter, host, done, out filePos);
                if (ret == Errno.EFAULT.Negative || (ret > 0 && iter.Count > 0))
                {
                    if (ret > 0) done = ret;
                    Assert.Equal(0, FaultInIter.FaultInIovIterWriteable(iter, iter.Count));
                    continue;
                }
                Assert.True(ret >= 0, $"{c}: {ret}");
                if (ret > 0) done = ret;
                break;
            }
            long expect = Math.Clamp(c.Size - pos, 0, len);
            Assert.Equal(expect, done);
            Assert.Equal(pos + expect, filePos);
            var got = ReadUser(mm, addr, (int)expect);
            for (int i = 0; i < expect; i++)
            {
                long x = pos + i;
                byte want = c.Kinds[x / P] == 2 ? image[x] : (byte)0;
                if (got[i] != want) Assert.Fail($"{c}: byte {i} (file {x}) is {got[i]}, expected {want}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(150));
    }

    [Fact]
    public void DirectWritesWithFaultInRetriesStoreExactlyTheModelBytes()
    {
        Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            var image = Pattern(0, Blocks * P);
            var device = new MemoryBlockDevice((byte[])image.Clone());
            var host = Host(c, device);
            using var mm = new AddressSpace();
            var content = Pattern(0, (Blocks + 2) * P, seed: 77);
            ulong addr = Buffer(mm, c, content);
            long pos = c.StartBlock * P, len = Math.Min(c.LengthBlocks, Blocks - c.StartBlock) * P;
            var iter = IovIter.CreateUbuf(IterDirection.Source, mm, addr, len);
            long done = 0, filePos = pos;
            for (int round = 0; round < 4 * Blocks && iter.Count > 0; round++)
            {
                long ret = Call(c, filePos, iter, host, done, out filePos);
                Assert.True(ret > 0 || ret == Errno.EFAULT.Negative, $"{c}: {ret}");
                if (ret > 0) done = ret;
                if (iter.Count > 0) Assert.Equal(0, FaultInIter.FaultInIovIterReadable(iter, iter.Count));
            }
            Assert.Equal(len, done);
            Assert.Equal(pos + len, filePos);
            var disk = device.ToArray();
            for (long x = 0; x < Blocks * P; x++)
            {
                long i = x - pos + c.BufferOffset;
                // Pages never written before the I/O were faulted in as zero pages.
                byte want = x < pos || x >= pos + len ? image[x] : c.Present[i / P] ? content[i] : (byte)0;
                if (disk[x] != want) Assert.Fail($"{c}: device byte {x} is {disk[x]}, expected {want}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(150));
    }
}
