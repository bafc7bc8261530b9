using System.Collections.Concurrent;
using System.Text;
using ClusterFs.Iov;

namespace ClusterFs.Fuse.Tests.Doubles;

/// <summary>
/// An in-memory filesystem behind the FUSE binding, for mount tests: inode numbers that are never
/// reused, lookup counting, sparse files, xattrs, POSIX/flock locks, plus counters and fault
/// injection the tests observe and drive. One big lock (<see cref="_lock"/>) guards the inode
/// table; the lock table has its own (<see cref="MemoryLockTable"/>), never taken under this one.
/// </summary>
internal sealed partial class MemoryFs : FuseFileSystemBase
{
    public const double Timeout = 60;
    private const ulong RootIno = 1;

    // Guards _inodes, _handles and every MemoryInode. Lock order: _lock, then nothing.
    private readonly object _lock = new();
    private readonly Dictionary<ulong, MemoryInode> _inodes = [];
    private readonly Dictionary<ulong, (ulong Ino, int Flags)> _handles = [];
    private readonly ConcurrentDictionary<string, Errno> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _throws = new(StringComparer.Ordinal);
    private ulong _nextIno = RootIno + 1;
    private ulong _nextHandle = 1;
    private int _directOpens;
    private int _reads;
    private int _copies;
    private int _fsyncs;
    private int _readDirs;
    private int _readDirPluses;

    public MemoryFs()
    {
        var root = new MemoryInode(RootIno, 1, MemoryInode.S_IFDIR | 0x1FF, 0, 0) { Parent = RootIno, Nlookup = 1 };
        _inodes[RootIno] = root;
    }

    /// <summary>The connection as negotiated at init.</summary>
    public FuseConnection? Connection { get; private set; }

    /// <summary>Set when the session's Destroy has been called.</summary>
    public bool Destroyed { get; private set; }

    /// <summary>Opens answered with FOPEN_DIRECT_IO.</summary>
    public int DirectOpens => Volatile.Read(ref _directOpens);

    /// <summary>Read requests that reached the filesystem.</summary>
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>The largest single write request seen (shows the negotiated max_write at work).</summary>
    public int MaxWriteSeen { get; private set; }

    /// <summary>fsync and fsyncdir requests that reached the filesystem.</summary>
    public int Fsyncs => Volatile.Read(ref _fsyncs);

    /// <summary>copy_file_range requests that reached the filesystem.</summary>
    public int CopyFileRanges => Volatile.Read(ref _copies);

    /// <summary>readdir and readdirplus requests that reached the filesystem.</summary>
    public (int Plain, int Plus) ReadDirs => (Volatile.Read(ref _readDirs), Volatile.Read(ref _readDirPluses));

    /// <summary>Runs inside every GetAttr handler (before the answer), to test what handlers may do.</summary>
    public Action<ulong>? OnGetAttr { get; set; }

    /// <summary>When set before mounting, Init turns readdirplus off so the kernel uses plain readdir.</summary>
    public bool DisableReaddirPlus { get; init; }

    /// <summary>POSIX and flock locks.</summary>
    public MemoryLockTable Locks { get; } = new();

    /// <summary>Signalled whenever some inode's lookup count drops to zero.</summary>
    public AutoResetEvent Forgotten { get; } = new(false);

    /// <summary>Makes lookup, create and write of <paramref name="name"/> fail with <paramref name="errno"/>.</summary>
    public void InjectFault(string name, Errno errno) => _faults[name] = errno;

    /// <summary>Makes lookup, create and write of <paramref name="name"/> throw (a filesystem bug).</summary>
    public void InjectThrow(string name) => _throws[name] = true;

    public void ClearFaults()
    {
        _faults.Clear();
        _throws.Clear();
    }

    /// <summary>The inode number under <paramref name="name"/> in the root directory, or 0.</summary>
    public ulong InodeOf(string name)
    {
        lock (_lock)
            return _inodes[RootIno].Child(name) ?? 0;
    }

    /// <summary>The kernel's current lookup count of an inode (0 once forgotten or freed).</summary>
    public ulong LookupCount(ulong ino)
    {
        lock (_lock)
            return _inodes.TryGetValue(ino, out MemoryInode? i) ? i.Nlookup : 0;
    }

    /// <summary>Changes file data behind the kernel's back (as another cluster node would).</summary>
    public void OverwriteBehindKernel(ulong ino, long offset, ReadOnlySpan<byte> data)
    {
        lock (_lock)
            _inodes[ino].Write(offset, data);
    }

    /// <summary>Removes a root-directory name behind the kernel's back (as another node would).</summary>
    public void UnlinkBehindKernel(string name)
    {
        lock (_lock)
        {
            MemoryInode root = _inodes[RootIno];
            if (root.Child(name) is ulong ino)
            {
                root.RemoveEntry(name);
                DropLinkLocked(_inodes[ino], root);
            }
        }
    }

    public override void Init(FuseConnection connection)
    {
        if (DisableReaddirPlus)
            connection.Drop(FuseCapabilities.ReaddirPlus | FuseCapabilities.ReaddirPlusAuto);
        Connection = connection;
    }

    public override void Destroy() => Destroyed = true;

    public override Errno Lookup(in FuseContext ctx, ulong parent, ReadOnlySpan<byte> name, out FuseEntry entry)
    {
        string n = Encoding.UTF8.GetString(name);
        entry = default;
        Errno fault = CheckFault(n);
        if (!fault.IsOk)
            return fault;
        lock (_lock)
        {
            if (!TryDir(parent, out MemoryInode? dir, out Errno e))
                return e;
            if (dir.Child(n) is not ulong ino)
                return Errno.ENOENT;
            entry = EntryLocked(_inodes[ino]);
            return Errno.OK;
        }
    }

    public override void Forget(ulong ino, ulong nlookup)
    {
        lock (_lock)
        {
            if (!_inodes.TryGetValue(ino, out MemoryInode? i))
                return;
            i.Nlookup -= Math.Min(nlookup, i.Nlookup);
            if (i.Nlookup == 0)
            {
                MaybeFreeLocked(i);
                Forgotten.Set();
            }
        }
    }

    public override Errno GetAttr(in FuseContext ctx, ulong ino, in FuseFile file, out FuseAttr attr, out double attrTimeout)
    {
        attrTimeout = Timeout;
        OnGetAttr?.Invoke(ino);
        lock (_lock)
        {
            if (!_inodes.TryGetValue(ino, out MemoryInode? i))
            {
                attr = default;
                return Errno.ENOENT;
            }
            attr = i.Attr();
            return Errno.OK;
        }
    }

    public override Errno SetAttr(in FuseContext ctx, ulong ino, in FuseSetAttr changes, in FuseFile file, out FuseAttr attr, out double attrTimeout)
    {
        attrTimeout = Timeout;
        attr = default;
        lock (_lock)
        {
            if (!_inodes.TryGetValue(ino, out MemoryInode? i))
                return Errno.ENOENT;
            if (changes.Has(FuseSetAttrMask.Size))
            {
                if (i.IsDir)
                    return Errno.EISDIR;
                i.Truncate(changes.Size);
                i.Mtime = FuseTime.Now;
            }
            if (changes.Has(FuseSetAttrMask.Mode))
                i.Mode = (i.Mode & MemoryInode.S_IFMT) | (changes.Mode & 0xFFF);
            if (changes.Has(FuseSetAttrMask.Uid))
                i.Uid = changes.Uid;
            if (changes.Has(FuseSetAttrMask.Gid))
                i.Gid = changes.Gid;
            if (changes.Has(FuseSetAttrMask.Atime))
                i.Atime = changes.Atime;
            if (changes.Has(FuseSetAttrMask.Mtime))
                i.Mtime = changes.Mtime;
            i.Ctime = changes.Has(FuseSetAttrMask.Ctime) ? changes.Ctime : FuseTime.Now;
            attr = i.Attr();
            return Errno.OK;
        }
    }

    public override Errno StatFs(in FuseContext ctx, ulong ino, out FuseStatFs stat)
    {
        lock (_lock)
        {
            ulong used = (ulong)_inodes.Values.Sum(i => (long)i.Pages.Count);
            stat = new FuseStatFs
            {
                BlockSize = MemoryInode.PageSize,
                FragmentSize = MemoryInode.PageSize,
                Blocks = 1 << 20,
                BlocksFree = (1 << 20) - used,
                BlocksAvailable = (1 << 20) - used,
                Files = 1 << 20,
                FilesFree = (1 << 20) - (ulong)_inodes.Count,
                FilesAvailable = (1 << 20) - (ulong)_inodes.Count,
                NameMax = 255,
            };
            return Errno.OK;
        }
    }

    private Errno CheckFault(string name)
    {
        if (_throws.ContainsKey(name))
            throw new InvalidOperationException($"injected failure on {name}");
        return _faults.TryGetValue(name, out Errno e) ? e : Errno.OK;
    }

    private FuseEntry EntryLocked(MemoryInode i)
    {
        i.Nlookup++;
        return new FuseEntry { Ino = i.Ino, Generation = i.Generation, Attr = i.Attr(), AttrTimeout = Timeout, EntryTimeout = Timeout };
    }

    private bool TryDir(ulong ino, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MemoryInode? dir, out Errno e)
    {
        e = Errno.OK;
        if (!_inodes.TryGetValue(ino, out dir))
            e = Errno.ENOENT;
        else if (!dir.IsDir)
            e = Errno.ENOTDIR;
        return e.IsOk;
    }

    private MemoryInode NewInodeLocked(in FuseContext ctx, uint mode, string name, ulong parent)
    {
        ulong ino = _nextIno++;
        var i = new MemoryInode(ino, 1, mode, ctx.Uid, ctx.Gid) { Name = name, Parent = parent };
        _inodes[ino] = i;
        return i;
    }

    private void MaybeFreeLocked(MemoryInode i)
    {
        if (i.Nlookup == 0 && i.Nlink == 0 && i.OpenCount == 0 && i.Ino != RootIno)
            _inodes.Remove(i.Ino);
    }
}
