using ClusterFs.Fs.Api;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.Node;
using ClusterFs.Fs.Storage;
using ClusterFs.Iov.Mm;
using FsCheck;
using FsCheck.Fluent;
using static ClusterFs.Fs.Tests.Io.FsHarness;

namespace ClusterFs.Fs.Tests.Io;

/// <summary>Cache coherence as a property: random reads, writes, truncates and mapping accesses of one file,
/// alternating between two nodes of one shared device, always see a single byte-array model.</summary>
[Collection(IoCollection.Name)]
public sealed class TwoNodeModelProperties : IDisposable
{
    private const int Ps = Page.Size, MaxSize = 12 * Ps;
    private readonly MemoryBlockDevice _dev = NewDevice(journals: 2, protocol: "lock_inproc");
    private readonly InProcessLockSpace _space = new(LockTable, 2);
    private readonly FsNode[] _nodes;
    private int _case;

    public TwoNodeModelProperties() =>
        _nodes = [Mount(_dev, _space.CreateManager(), "n1"), Mount(_dev, _space.CreateManager(), "n2")];

    public void Dispose()
    {
        foreach (var n in _nodes) Ok(n.Unmount());
        AssertFsckClean(_dev);
    }

    /// <summary>Kind: 0 write, 1 read, 2 truncate, 3 write through a shared mapping, 4 read through it.</summary>
    public readonly record struct Op(int Node, int Kind, int Pos, int Len, byte Fill);

    private static readonly Gen<Op> s_op =
        from node in Gen.Choose(0, 1)
        from kind in Gen.Choose(0, 4)
        from pos in Gen.Choose(0, MaxSize - 1)
        from len in Gen.Choose(1, 3 * Ps)
        from fill in Gen.Choose(1, 255)
        select new Op(node, kind, pos, len, (byte)fill);

    [Fact]
    public void AlternatingNodesAlwaysSeeOneModel()
    {
        var gen = Gen.ArrayOf(s_op).Select(a => a.Take(10).ToArray());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), Prop.ForAll(gen.ToArbitrary(), RunCase));
    }

    private bool RunCase(Op[] ops)
    {
        string path = $"/c{_case++}";
        using var p1 = new FsProcess(_nodes[0]);
        using var p2 = new FsProcess(_nodes[1]);
        FsProcess[] procs = [p1, p2];
        int f1 = (int)p1.Open(path, OpenFlags.Create | OpenFlags.ReadWrite);
        int f2 = (int)p2.Open(path, OpenFlags.ReadWrite);
        int[] fds = [f1, f2];
        Assert.True(f1 >= 0 && f2 >= 0);
        ulong[] maps = [(ulong)p1.Mmap(f1, 0, MaxSize, Prot.Read | Prot.Write, MapFlags.Shared, 0),
                        (ulong)p2.Mmap(f2, 0, MaxSize, Prot.Read | Prot.Write, MapFlags.Shared, 0)];
        var model = new byte[MaxSize];
        int size = 0;
        foreach (var op in ops)
        {
            var p = procs[op.Node];
            int fd = fds[op.Node];
            int len = Math.Min(op.Len, MaxSize - op.Pos);
            var data = new byte[len];
            for (int i = 0; i < len; i++) data[i] = (byte)(op.Fill + i);
            switch (op.Kind)
            {
                case 0:
                    Assert.Equal(len, p.Pwrite(fd, data, op.Pos));
                    data.CopyTo(model, op.Pos);
                    size = Math.Max(size, op.Pos + len);
                    break;
                case 1:
                {
                    int expect = Math.Max(0, Math.Min(len, size - op.Pos));
                    var got = new byte[len];
                    Assert.Equal(expect, p.Pread(fd, got, op.Pos));
                    Assert.Equal(model.AsSpan(op.Pos, expect).ToArray(), got[..expect]);
                    break;
                }
                case 2:
                    Ok(p.Ftruncate(fd, op.Pos));
                    if (op.Pos < size) Array.Clear(model, op.Pos, size - op.Pos);
                    size = op.Pos;
                    break;
                default:
                {
                    len = Math.Min(len, size - op.Pos);
                    if (len <= 0) break;
                    ulong at = maps[op.Node] + (ulong)op.Pos;
                    if (op.Kind == 3)
                    {
                        Assert.Equal(0, p.Mm.CopyToUser(at, data.AsSpan(0, len)));
                        data.AsSpan(0, len).CopyTo(model.AsSpan(op.Pos));
                    }
                    else
                    {
                        var got = new byte[len];
                        Assert.Equal(0, p.Mm.CopyFromUser(at, got));
                        Assert.Equal(model.AsSpan(op.Pos, len).ToArray(), got);
                    }
                    break;
                }
            }
        }
        foreach (var (p, fd) in new[] { (p1, f1), (p2, f2) })
        {
            var all = new byte[size + 1];
            Assert.Equal(size, p.Pread(fd, all, 0));
            Assert.Equal(model.AsSpan(0, size).ToArray(), all[..size]);
        }
        return true;
    }
}
