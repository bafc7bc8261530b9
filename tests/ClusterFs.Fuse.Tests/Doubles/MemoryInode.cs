namespace ClusterFs.Fuse.Tests.Doubles;

/// <summary>One inode of <see cref="MemoryFs"/>: attributes, sparse 4 KiB pages, directory entries, xattrs.</summary>
internal sealed class MemoryInode
{
    public const int PageSize = 4096;
    public const uint S_IFMT = 0xF000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_IFIFO = 0x1000;

    public MemoryInode(ulong ino, ulong generation, uint mode, uint uid, uint gid)
    {
        Ino = ino;
        Generation = generation;
        Mode = mode;
        Uid = uid;
        Gid = gid;
        Nlink = IsDir ? 2u : 1u;
        Atime = Mtime = Ctime = FuseTime.Now;
    }

    public ulong Ino { get; }
    public ulong Generation { get; }
    public uint Mode { get; set; }
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    public ulong Rdev { get; set; }
    public uint Nlink { get; set; }
    public long Size { get; set; }
    public FuseTime Atime { get; set; }
    public FuseTime Mtime { get; set; }
    public FuseTime Ctime { get; set; }
    /// <summary>Kernel lookup references (entries replied minus forgets).</summary>
    public ulong Nlookup { get; set; }
    public int OpenCount { get; set; }
    /// <summary>The name it was created under, for name-keyed fault injection.</summary>
    public string Name { get; set; } = "";
    public byte[] SymlinkTarget { get; set; } = [];
    public ulong Parent { get; set; }

    /// <summary>Sparse data: page index to page. A missing page is a hole.</summary>
    public SortedDictionary<long, byte[]> Pages { get; } = [];
    /// <summary>Directory entries by readdir cookie (stable offsets across modifications).</summary>
    public SortedDictionary<long, (string Name, ulong Ino)> Entries { get; } = [];
    public Dictionary<string, long> Cookies { get; } = new(StringComparer.Ordinal);
    public long NextCookie { get; set; } = 3; // 1 and 2 are "." and ".."
    public Dictionary<string, byte[]> Xattrs { get; } = new(StringComparer.Ordinal);

    public bool IsDir => (Mode & S_IFMT) == S_IFDIR;
    public bool IsReg => (Mode & S_IFMT) == S_IFREG;

    public FuseAttr Attr() => new()
    {
        Ino = Ino,
        Mode = Mode,
        Nlink = Nlink,
        Uid = Uid,
        Gid = Gid,
        Rdev = Rdev,
        Size = Size,
        Blocks = Pages.Count * (PageSize / 512),
        BlockSize = PageSize,
        Atime = Atime,
        Mtime = Mtime,
        Ctime = Ctime,
    };

    public void AddEntry(string name, ulong ino)
    {
        long c = NextCookie++;
        Entries[c] = (name, ino);
        Cookies[name] = c;
    }

    public bool RemoveEntry(string name)
    {
        if (!Cookies.Remove(name, out long c))
            return false;
        Entries.Remove(c);
        return true;
    }

    public ulong? Child(string name) => Cookies.TryGetValue(name, out long c) ? Entries[c].Ino : null;

    public int Read(long offset, Span<byte> dest)
    {
        if (offset >= Size)
            return 0;
        int n = (int)Math.Min(dest.Length, Size - offset);
        for (int done = 0; done < n;)
        {
            long pos = offset + done;
            long page = pos / PageSize;
            int inPage = (int)(pos % PageSize);
            int chunk = Math.Min(n - done, PageSize - inPage);
            if (Pages.TryGetValue(page, out byte[]? p))
                p.AsSpan(inPage, chunk).CopyTo(dest.Slice(done, chunk));
            else
                dest.Slice(done, chunk).Clear();
            done += chunk;
        }
        return n;
    }

    public void Write(long offset, ReadOnlySpan<byte> src)
    {
        for (int done = 0; done < src.Length;)
        {
            long pos = offset + done;
            long page = pos / PageSize;
            int inPage = (int)(pos % PageSize);
            int chunk = Math.Min(src.Length - done, PageSize - inPage);
            if (!Pages.TryGetValue(page, out byte[]? p))
                Pages[page] = p = new byte[PageSize];
            src.Slice(done, chunk).CopyTo(p.AsSpan(inPage, chunk));
            done += chunk;
        }
        Size = Math.Max(Size, offset + src.Length);
    }

    /// <summary>Zeroes [start, end): whole pages become holes, partial pages are cleared.</summary>
    public void Punch(long start, long end)
    {
        foreach (long page in Pages.Keys.Where(k => k * PageSize < end && (k + 1) * PageSize > start).ToList())
        {
            long ps = page * PageSize;
            if (start <= ps && end >= ps + PageSize)
            {
                Pages.Remove(page);
                continue;
            }
            int from = (int)Math.Max(0, start - ps);
            int to = (int)Math.Min(PageSize, end - ps);
            Pages[page].AsSpan(from, to - from).Clear();
        }
    }

    public void Truncate(long size)
    {
        if (size < Size)
            Punch(size, Math.Max(Size, (Pages.Count == 0 ? 0 : (Pages.Keys.Max() + 1) * PageSize)));
        Size = size;
    }

    public void Allocate(long start, long end)
    {
        for (long page = start / PageSize; page * PageSize < end; page++)
        {
            if (!Pages.ContainsKey(page))
                Pages[page] = new byte[PageSize];
        }
    }

    /// <summary>SEEK_DATA / SEEK_HOLE over the page map; -1 means ENXIO.</summary>
    public long Seek(long offset, bool data)
    {
        if (offset >= Size)
            return -1;
        long page = offset / PageSize;
        if (data)
        {
            foreach (long k in Pages.Keys)
            {
                if (k >= page)
                    return k * PageSize >= Size ? -1 : Math.Max(offset, k * PageSize);
            }
            return -1;
        }
        while (Pages.ContainsKey(page))
            page++;
        return Math.Min(Size, Math.Max(offset, page * PageSize));
    }
}
