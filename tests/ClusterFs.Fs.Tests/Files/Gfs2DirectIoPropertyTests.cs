using ClusterFs.Fs.Files;
using ClusterFs.Fs.Iomap;
using ClusterFs.Fs.Tests.Iomap;
using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using FsCheck;
using FsCheck.Fluent;
using static ClusterFs.Fs.Tests.Iomap.DioTestData;

namespace ClusterFs.Fs.Tests.Files;

/// <summary>Random file layouts and buffers whose pages are resident, absent or read-faulted (zero page), at
/// random offsets and lengths: the gfs2 direct read and the O_DIRECT write (with its buffered fallback) always
/// finish with the bytes a byte-array model predicts, and leave the glock free.</summary>
public sealed class Gfs2DirectIoPropertyTests
{
    private const int Blocks = 16;

    private sealed record Case(int[] Kinds, int[] PageStates, int StartBlock, int LengthBlocks, long Size, int BufferOffset)
    {
        public override string ToString() =>
            $"kinds={string.Join("", Kinds)} pages={string.Join("", PageStates)} start={StartBlock} len={LengthBlocks} size={Size} bufOff={BufferOffset}";
    }

    private static Gen<Case> Cases() =>
        from seed in Gen.Choose(0, int.MaxValue)
        select Make(new Random(seed));

    private static Case Make(Random r) => new(
        Enumerable.Range(0, Blocks).Select(_ => r.Next(3)).ToArray(),
        Enumerable.Range(0, Blocks + 1).Select(_ => r.Next(3)).ToArray(),
        r.Next(Blocks), 1 + r.Next(Blocks), 1 + r.Next(Blocks * P), r.Next(2) * 1000);

    /// <summary>A buffer whose page i is resident with <paramref name="content"/> (state 0), never touched (1),
    /// or read-faulted onto the zero page (2). Returns the address of its byte <see cref="Case.BufferOffset"/>.</summary>
    private static ulong Buffer(AddressSpace mm, Case c, byte[] content)
    {
        ulong addr = MapAbsent(mm, (Blocks + 2) * P);
        for (int i = 0; i <= Blocks; i++)
        {
            ulong page = addr + (ulong)(i * P);
            if (c.PageStates[i] == 0) Assert.Equal(0, mm.CopyToUser(page, content.AsSpan(i * P, P)));
            else if (c.PageStates[i] == 2) Assert.Equal(0, FaultIn.Readable(mm, page, P));
        }
        return addr + (ulong)c.BufferOffset;
    }

    private static FakeDioHost Host(DirectIoFixture f, Case c)
    {
        var host = new FakeDioHost(f.Device, c.Size);
        for (int b = 0; b < Blocks; b++)
            if (c.Kinds[b] != 0) host.AddExtent(b * P, P, c.Kinds[b] == 1 ? IomapType.Unwritten : IomapType.Mapped, b * P);
        return host;
    }

    [Fact]
    public void DirectReadsReturnExactlyTheModelBytes()
    {
        Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            using var f = new DirectIoFixture();
            var host = Host(f, c);
            ulong addr = Buffer(f.Mm, c, Enumerable.Repeat((byte)0xAA, (Blocks + 2) * P).ToArray());
            long pos = c.StartBlock * P, len = c.LengthBlocks * P;
            var iter = IovIter.CreateUbuf(IterDirection.Dest, f.Mm, addr, len);
            var iocb = new Kiocb(pos, KiocbFlags.Direct);
            var trace = new DirectIoTrace();
            long ret = Gfs2DirectIo.DirectRead(iocb, iter, host, f.Glock, f.Task, trace: trace);
            long expect = Math.Clamp(c.Size - pos, 0, len);
            Assert.True(expect == ret, $"{c}: returned {ret}, expected {expect}");
            Assert.Equal(pos + expect, iocb.Position);
            Assert.True(trace.Rounds <= 3 * (Blocks + 1), $"{c}: {trace.Rounds} rounds");
            var got = ReadUser(f.Mm, addr, (int)expect);
            for (int i = 0; i < expect; i++)
            {
                long x = pos + i;
                byte want = c.Kinds[x / P] == 2 ? f.Image[x] : (byte)0;
                if (got[i] != want) Assert.Fail($"{c}: byte {i} (file {x}) is {got[i]}, expected {want}");
            }
            Assert.True(f.GlockIsFree(), $"{c}: glock left held");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }

    [Fact]
    public void DirectWritesWithTheirBufferedFallbackStoreExactlyTheModelBytes()
    {
        Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            using var f = new DirectIoFixture();
            var host = Host(f, c);
            var content = Pattern(0, (Blocks + 2) * P, seed: 55);
            ulong addr = Buffer(f.Mm, c, content);
            long pos = c.StartBlock * P, len = Math.Min(c.LengthBlocks, Blocks - c.StartBlock) * P;
            var iter = IovIter.CreateUbuf(IterDirection.Source, f.Mm, addr, len);
            var iocb = new Kiocb(pos, KiocbFlags.Direct);
            long BufferedWrite(Kiocb k, IovIter from)
            {
                long r = f.BufferedWrite(k, from);
                if (k.Position > host.Size) host.Size = k.Position;
                return r;
            }
            long ret = Gfs2DirectIo.WriteIter(iocb, iter, host, f.Glock, BufferedWrite, f.Task);
            Assert.True(len == ret, $"{c}: returned {ret}, expected {len}");
            Assert.Equal(pos + len, iocb.Position);
            var disk = f.Device.ToArray();
            for (long x = 0; x < Blocks * P; x++)
            {
                long i = x - pos + c.BufferOffset;
                // Absent and zero-page buffer pages read as zeroes.
                byte want = x < pos || x >= pos + len ? f.Image[x] : c.PageStates[i / P] == 0 ? content[i] : (byte)0;
                if (disk[x] != want) Assert.Fail($"{c}: device byte {x} is {disk[x]}, expected {want}");
            }
            Assert.True(f.GlockIsFree(), $"{c}: glock left held");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }
}
