using ClusterFs.Fs.Storage;
using ClusterFs.Iov;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterFs.Fs.Format;

/// <summary>
/// A mounted ClusterFs filesystem's metadata layer: inodes, block maps, directories, xattrs and the
/// allocator, over an <see cref="IBlockDevice"/>. Every operation returns an errno; every metadata change
/// runs as one journal transaction; nothing is cached across operations (another node may change the
/// device between them; the glock layer above decides what may be cached). Corrupt metadata yields
/// EUCLEAN (or EIO from the device) with the block named in <see cref="LastError"/> and the log.
/// Operations are serialised by <see cref="_opLock"/>: the cluster-wide exclusion is the caller's glocks.
/// </summary>
public sealed partial class Volume : IDisposable
{
    // Lock order: taken first and alone by each public operation; nothing else is locked inside. Every
    // method that takes a MetaTx runs with it held (a MetaTx only exists inside Run or a locked block).
    private readonly Lock _opLock = new();
    private readonly ILogger _log;
    private readonly RindexEntry[] _rindex;
    // Per rgrp: every data block below this offset is known to be in use (an allocation search hint).
    private readonly int[] _freeHint;
    private readonly bool _ownsDevice;

    private Volume(IBlockDevice device, Superblock sb, RindexEntry[] rindex, IMetadataJournal? journal, ILogger log, bool ownsDevice)
    {
        Device = device;
        Sb = sb;
        _rindex = rindex;
        _freeHint = new int[rindex.Length];
        Journal = journal;
        _log = log;
        _ownsDevice = ownsDevice;
    }

    /// <summary>The device the filesystem lives on.</summary>
    public IBlockDevice Device { get; }

    /// <summary>The superblock read at open.</summary>
    public Superblock Sb { get; }

    /// <summary>Filesystem block size in bytes.</summary>
    public int BlockSize => Sb.BlockSize;

    /// <summary>The journal metadata changes go through; null for a read-only open (changes fail with EROFS).</summary>
    public IMetadataJournal? Journal { get; }

    /// <summary>The resource index read at open.</summary>
    public IReadOnlyList<RindexEntry> Rindex => _rindex;

    /// <summary>The last corruption or device error met, naming the block; null when none.</summary>
    public string? LastError { get; private set; }

    /// <summary>Root directory inode number.</summary>
    public long RootInode => Sb.RootInode;

    /// <summary>
    /// Opens the filesystem on <paramref name="device"/>: reads and checks the superblock and the resource
    /// index, writes nothing. Returns OK and the volume, or an errno (EINVAL wrong magic/unknown version,
    /// EUCLEAN corruption, EIO) with <paramref name="problem"/> naming the block. A null
    /// <paramref name="journal"/> opens read-only.
    /// </summary>
    public static Errno Open(IBlockDevice device, IMetadataJournal? journal, ILogger? log, out Volume? volume, out string? problem,
        bool ownsDevice = false)
    {
        ArgumentNullException.ThrowIfNull(device);
        volume = null;
        log ??= NullLogger.Instance;
        int first = (int)Math.Min(Superblock.MaxBlockSize, device.Size - device.Size % 512);
        if (first < 512) { problem = "block 0: device too small to hold a superblock"; return Errno.EINVAL; }
        var head = new byte[first];
        var e = device.Read(0, head);
        if (!e.IsOk) { problem = $"block 0: device read failed: {e}"; return e; }
        e = Superblock.Decode(head, device.Size, out var sb, out problem);
        if (!e.IsOk) { log.LogError("{Problem}", problem); return e; }

        var rindex = new RindexEntry[sb!.RgrpCount];
        var buf = new byte[sb.BlockSize];
        int per = RindexEntry.PerBlock(sb.BlockSize);
        long prevEnd = sb.RindexFirstBlock + sb.RindexBlockCount;
        // Journals sit between the resource index and the first resource group, without overlapping anything.
        var journals = sb.Journals.OrderBy(j => j.FirstBlock).ToArray();
        foreach (var j in journals)
        {
            if (j.FirstBlock < prevEnd)
            {
                problem = $"block 0: journal extent {j.FirstBlock}+{j.BlockCount} overlaps the resource index or another journal";
                log.LogError("{Problem}", problem);
                return Errno.EUCLEAN;
            }
            prevEnd = j.FirstBlock + j.BlockCount;
        }
        for (int i = 0; i < rindex.Length; i++)
        {
            long rb = sb.RindexFirstBlock + i / per;
            if (i % per == 0)
            {
                e = device.Read(rb * sb.BlockSize, buf);
                if (!e.IsOk) { problem = $"block {rb}: device read failed: {e}"; return e; }
                e = MetaHeader.Verify(buf, rb, BlockType.ResourceIndex, out problem);
                if (!e.IsOk) { log.LogError("{Problem}", problem); return e; }
            }
            var r = RindexEntry.Decode(buf.AsSpan(MetaHeader.Size + (i % per) * RindexEntry.Size));
            int bpb = RindexEntry.BlocksPerBitmap(sb.BlockSize);
            if (r.HeaderBlock < prevEnd || r.DataBlocks <= 0 || r.BitmapBlocks != (r.DataBlocks + bpb - 1) / bpb
                || r.FirstDataBlock != r.HeaderBlock + 1 + r.BitmapBlocks || r.FirstDataBlock + r.DataBlocks > sb.BlockCount)
            {
                problem = $"block {rb}: resource index entry {i} is invalid (header {r.HeaderBlock}, data {r.FirstDataBlock}+{r.DataBlocks}, {r.BitmapBlocks} bitmaps)";
                log.LogError("{Problem}", problem);
                return Errno.EUCLEAN;
            }
            prevEnd = r.FirstDataBlock + r.DataBlocks;
            rindex[i] = r;
        }
        volume = new Volume(device, sb, rindex, journal, log, ownsDevice);
        problem = null;
        return Errno.OK;
    }

    /// <summary>Disposes the device when the volume owns it.</summary>
    public void Dispose()
    {
        if (_ownsDevice) Device.Dispose();
    }

    /// <summary>Records and logs corrupt metadata; returns EUCLEAN.</summary>
    internal Errno Corrupt(string problem)
    {
        LastError = problem;
        _log.LogError("corrupt metadata: {Problem}", problem);
        return Errno.EUCLEAN;
    }

    /// <summary>Records and logs a device/journal failure; returns <paramref name="e"/>.</summary>
    internal Errno Failed(Errno e, string problem)
    {
        LastError = problem;
        _log.LogError("{Problem}", problem);
        return e;
    }

    /// <summary>Index of the rgrp holding data block <paramref name="block"/>, or -1.</summary>
    internal int RgrpOf(long block)
    {
        int lo = 0, hi = _rindex.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var r = _rindex[mid];
            if (block < r.FirstDataBlock) hi = mid - 1;
            else if (block >= r.FirstDataBlock + r.DataBlocks) lo = mid + 1;
            else return mid;
        }
        return -1;
    }

    /// <summary>True when <paramref name="block"/> is a data block of some rgrp (a valid pointer target).</summary>
    internal bool IsDataBlock(long block) => RgrpOf(block) >= 0;
}
