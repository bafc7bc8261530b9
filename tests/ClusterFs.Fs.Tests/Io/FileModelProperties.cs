using ClusterFs.Fs.Api;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using FsCheck;
using FsCheck.Fluent;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

/// <summary>
/// Model-based test (fsx style): random buffered, direct and mmap reads and writes of one file, with buffers that
/// are process memory, resident anonymous pages, absent pages, zero-page pages, or a mapping of the file itself,
/// leave the file equal to a byte-array model; every read returns the model's bytes.
/// </summary>
[Collection(IoCollection.Name)]
public sealed class FileModelProperties : IDisposable
{
    private const int Ps = Page.Size;
    private const int MaxSize = 16 * Ps;
    private const int BufPages = 4;
    private static readonly Config s_config = Config.QuickThrowOnFailure.WithMaxTest(120);

    private readonly MemoryBlockDevice _dev = NewDevice();
    private readonly FsNode _node;
    private int _case;

    public FileModelProperties() => _node = Mount(_dev);

    public void Dispose()
    {
        Ok(_node.Unmount());
        AssertFsckClean(_dev);
    }

    /// <summary>Kind: 0 buffered write, 1 buffered read, 2 mmap write, 3 mmap read, 4 direct write, 5 direct read.
    /// Buf: 0 KVEC, 1 resident anonymous, 2 absent anonymous, 3 zero page, 4 mapping of the file itself.</summary>
    public readonly record struct Op(int Kind, int Pos, int Len, int Buf, int Other, byte Fill);

    private static readonly Gen<Op> s_op =
        from kind in Gen.Choose(0, 5)
        from pos in Gen.Choose(0, MaxSize - 1)
        from len in Gen.Choose(1, BufPages * Ps)
        from buf in Gen.Choose(0, 4)
        from other in Gen.Choose(0, MaxSize - 1)
        from fill in Gen.Choose(1, 255)
        select new Op(kind, pos, len, buf, other, (byte)fill);

    [Fact]
    public void RandomReadsAndWritesKeepTheFileEqualToTheModel()
    {
        var gen = Gen.ArrayOf(s_op).Select(a => a.Take(12).ToArray());
        Check.One(s_config, Prop.ForAll(gen.ToArbitrary(), ops => RunCase(ops)));
    }

    private bool RunCase(Op[] ops)
    {
        using var p = new FsProcess(_node);
        string path = $"/model{_case++}";
        int fd = (int)p.Open(path, OpenFlags.Create | OpenFlags.ReadWrite);
        int dfd = (int)p.Open(path, OpenFlags.ReadWrite | OpenFlags.Direct);
        Assert.True(fd >= 0 && dfd >= 0);
        var model = new byte[MaxSize];
        int size = 0;
        long self = p.Mmap(fd, 0, MaxSize, Prot.Read | Prot.Write, MapFlags.Shared, 0);
        long anon = p.Mm.Mmap(0, BufPages * Ps, Prot.Read | Prot.Write, MapFlags.Private);
        Assert.True(self > 0 && anon > 0);
        foreach (var raw in ops)
        {
            var op = raw;
            bool direct = op.Kind >= 4;
            if (direct) op = op with { Pos = op.Pos / Ps * Ps, Len = Math.Max(1, op.Len / Ps) * Ps };
            int len = Math.Min(op.Len, MaxSize - op.Pos);
            if (len <= 0) continue;
            bool write = op.Kind % 2 == 0;
            if (op.Kind is 2 or 3)
            {
                // Through the shared mapping: only inside the file (a page past EOF is SIGBUS).
                len = Math.Min(len, size - op.Pos);
                if (len <= 0) continue;
                ulong at = (ulong)self + (ulong)op.Pos;
                p.Mm.Madvise((ulong)self, MaxSize, Advice.DontNeed);
                if (write)
                {
                    var src = Fill(len, op.Fill);
                    Assert.Equal(0, p.Mm.CopyToUser(at, src));
                    src.CopyTo(model, op.Pos);
                }
                else
                {
                    var got = new byte[len];
                    Assert.Equal(0, p.Mm.CopyFromUser(at, got));
                    Assert.Equal(model.AsSpan(op.Pos, len).ToArray(), got);
                }
                continue;
            }
            // A buffer: choose where it lives and what it holds.
            ulong addr = 0;
            byte[] content = Fill(len, op.Fill);
            int buf = op.Buf;
            if (buf == 4)
            {
                // A mapping of the file itself, inside the file and not overlapping the I/O range.
                int src = op.Other % Math.Max(1, size);
                if (direct) src = src / Ps * Ps;
                bool fits = src + len <= size && (src + len <= op.Pos || op.Pos + len <= src);
                if (!fits) buf = 0;
                else
                {
                    addr = (ulong)self + (ulong)src;
                    content = model.AsSpan(src, len).ToArray();
                    p.Mm.Madvise((ulong)self, MaxSize, Advice.DontNeed);
                }
            }
            if (buf is 1 or 2 or 3)
            {
                len = Math.Min(len, BufPages * Ps);
                addr = (ulong)anon;
                p.Mm.Madvise((ulong)anon, BufPages * Ps, Advice.DontNeed);
                content = buf == 1 ? Fill(len, op.Fill) : new byte[len];
                if (buf == 1) Assert.Equal(0, p.Mm.CopyToUser(addr, content));
                if (buf == 3) Assert.Equal(0, p.Mm.CopyFromUser(addr, new byte[len])); // read-fault: zero-page PTEs
                content = content[..len];
            }
            int theFd = direct ? dfd : fd;
            if (write)
            {
                long n = buf == 0 ? p.Pwrite(theFd, content, op.Pos) : p.Pwrite(theFd, addr, len, op.Pos);
                Assert.Equal(len, n);
                content.CopyTo(model, op.Pos);
                size = Math.Max(size, op.Pos + len);
            }
            else
            {
                int expect = Math.Max(0, Math.Min(len, size - op.Pos));
                if (buf == 0)
                {
                    var got = new byte[len];
                    Assert.Equal(expect, p.Pread(theFd, got, op.Pos));
                    Assert.Equal(model.AsSpan(op.Pos, expect).ToArray(), got[..expect]);
                }
                else
                {
                    var before = buf == 4 ? model.AsSpan(op.Pos, expect).ToArray() : null;
                    Assert.Equal(expect, p.Pread(theFd, addr, len, op.Pos));
                    var got = new byte[expect];
                    Assert.Equal(0, p.Mm.CopyFromUser(addr, got));
                    Assert.Equal(model.AsSpan(op.Pos, expect).ToArray(), got);
                    if (buf == 4) before!.CopyTo(model, (int)(addr - (ulong)self)); // the read wrote the file
                }
            }
        }
        var all = new byte[size + 1];
        Assert.Equal(size, p.Pread(fd, all, 0));
        Assert.Equal(model.AsSpan(0, size).ToArray(), all[..size]);
        Ok(p.Close(fd));
        Ok(p.Close(dfd));
        Assert.True(Ok2(p.Unlink(path)));
        return true;
    }

    private static bool Ok2(Errno e) => e.IsOk;

    private static byte[] Fill(int len, byte seed)
    {
        var b = new byte[len];
        for (int i = 0; i < len; i++) b[i] = (byte)(seed + i * 13 + (i >> 9));
        return b;
    }
}
