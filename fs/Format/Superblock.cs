using System.Buffers.Binary;
using System.Text;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Format;

/// <summary>The decoded superblock (block 0). Immutable after mkfs; see docs/ondisk-format.md.</summary>
public sealed record Superblock
{
    public const int CurrentVersion = 1;
    public const int MinBlockSize = 512, MaxBlockSize = 65536, DefaultBlockSize = 4096;
    public const int MaxJournals = 64;
    private const int LockProtoLength = 32, LockTableLength = 64, JournalTableOffset = 192;

    public int Version { get; init; } = CurrentVersion;
    public int BlockSize { get; init; } = DefaultBlockSize;
    public long BlockCount { get; init; }
    public Guid Uuid { get; init; }
    public string LockProtocol { get; init; } = "lock_nolock";
    /// <summary>"cluster:fsname", the name lock managers key the filesystem's locks on.</summary>
    public string LockTable { get; init; } = "";
    public long RootInode { get; init; }
    public long RindexFirstBlock { get; init; }
    public int RindexBlockCount { get; init; }
    public int RgrpCount { get; init; }
    public IReadOnlyList<JournalExtent> Journals { get; init; } = [];

    /// <summary>The most journals a superblock of <paramref name="blockSize"/> can record.</summary>
    public static int JournalCapacity(int blockSize) => Math.Min(MaxJournals, (blockSize - JournalTableOffset) / 16);

    /// <summary>True for a power of two in 512..65536.</summary>
    public static bool IsValidBlockSize(long size) => size is >= MinBlockSize and <= MaxBlockSize && (size & (size - 1)) == 0;

    /// <summary>Writes this superblock into <paramref name="block"/> (a full block; header included but not sealed).</summary>
    public void Encode(Span<byte> block)
    {
        MetaHeader.Init(block, BlockType.Superblock, 0);
        BinaryPrimitives.WriteInt32LittleEndian(block[32..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(block[36..], BlockSize);
        BinaryPrimitives.WriteInt64LittleEndian(block[40..], BlockCount);
        Uuid.TryWriteBytes(block.Slice(48, 16));
        WriteString(block.Slice(64, LockProtoLength), LockProtocol);
        WriteString(block.Slice(96, LockTableLength), LockTable);
        BinaryPrimitives.WriteInt64LittleEndian(block[160..], RootInode);
        BinaryPrimitives.WriteInt64LittleEndian(block[168..], RindexFirstBlock);
        BinaryPrimitives.WriteInt32LittleEndian(block[176..], RindexBlockCount);
        BinaryPrimitives.WriteInt32LittleEndian(block[180..], RgrpCount);
        BinaryPrimitives.WriteInt32LittleEndian(block[184..], Journals.Count);
        for (int i = 0; i < Journals.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(block[(JournalTableOffset + 16 * i)..], Journals[i].FirstBlock);
            BinaryPrimitives.WriteInt64LittleEndian(block[(JournalTableOffset + 16 * i + 8)..], Journals[i].BlockCount);
        }
    }

    /// <summary>
    /// Reads and checks the superblock of a device of <paramref name="deviceBytes"/> bytes, given its first
    /// block. Returns OK with <paramref name="sb"/>, or EUCLEAN / EINVAL with <paramref name="problem"/>
    /// naming block 0 and the fault (wrong magic, unknown version, bad checksum, device too small...).
    /// </summary>
    public static Errno Decode(ReadOnlySpan<byte> block, long deviceBytes, out Superblock? sb, out string? problem)
    {
        sb = null;
        if (block.Length < 512) { problem = "block 0: device too small to hold a superblock"; return Errno.EINVAL; }
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(block);
        if (magic != MetaHeader.Magic || MetaHeader.TypeOf(block) != BlockType.Superblock)
        {
            problem = $"block 0: not a ClusterFs superblock (magic 0x{magic:x8})";
            return Errno.EINVAL;
        }
        int version = BinaryPrimitives.ReadInt32LittleEndian(block[32..]);
        int blockSize = BinaryPrimitives.ReadInt32LittleEndian(block[36..]);
        if (!IsValidBlockSize(blockSize)) { problem = $"block 0: invalid block size {blockSize}"; return Errno.EUCLEAN; }
        if (block.Length < blockSize) { problem = $"block 0: device shorter than one {blockSize}-byte block"; return Errno.EUCLEAN; }
        block = block[..blockSize];
        var e = MetaHeader.Verify(block, 0, BlockType.Superblock, out problem);
        if (!e.IsOk) return e;
        if (version != CurrentVersion) { problem = $"block 0: unknown format version {version} (this build reads {CurrentVersion})"; return Errno.EINVAL; }
        long blockCount = BinaryPrimitives.ReadInt64LittleEndian(block[40..]);
        if (blockCount <= 0 || blockCount > long.MaxValue / blockSize)
        {
            problem = $"block 0: invalid block count {blockCount}"; return Errno.EUCLEAN;
        }
        if (blockCount * blockSize > deviceBytes)
        {
            problem = $"block 0: superblock claims {blockCount} blocks ({blockCount * blockSize} bytes) but the device holds {deviceBytes} bytes";
            return Errno.EUCLEAN;
        }
        int journalCount = BinaryPrimitives.ReadInt32LittleEndian(block[184..]);
        if (journalCount < 1 || journalCount > JournalCapacity(blockSize))
        {
            problem = $"block 0: invalid journal count {journalCount}"; return Errno.EUCLEAN;
        }
        var journals = new JournalExtent[journalCount];
        for (int i = 0; i < journalCount; i++)
        {
            long first = BinaryPrimitives.ReadInt64LittleEndian(block[(JournalTableOffset + 16 * i)..]);
            long count = BinaryPrimitives.ReadInt64LittleEndian(block[(JournalTableOffset + 16 * i + 8)..]);
            if (first <= 0 || count <= 0 || first > blockCount || count > blockCount - first)
            {
                problem = $"block 0: journal {i} extent {first}+{count} lies outside the filesystem"; return Errno.EUCLEAN;
            }
            journals[i] = new JournalExtent(first, count);
        }
        var s = new Superblock
        {
            Version = version,
            BlockSize = blockSize,
            BlockCount = blockCount,
            Uuid = new Guid(block.Slice(48, 16)),
            LockProtocol = ReadString(block.Slice(64, LockProtoLength)),
            LockTable = ReadString(block.Slice(96, LockTableLength)),
            RootInode = BinaryPrimitives.ReadInt64LittleEndian(block[160..]),
            RindexFirstBlock = BinaryPrimitives.ReadInt64LittleEndian(block[168..]),
            RindexBlockCount = BinaryPrimitives.ReadInt32LittleEndian(block[176..]),
            RgrpCount = BinaryPrimitives.ReadInt32LittleEndian(block[180..]),
            Journals = journals,
        };
        if (s.RindexFirstBlock <= 0 || s.RindexBlockCount <= 0 || s.RindexFirstBlock + s.RindexBlockCount > blockCount
            || s.RgrpCount <= 0 || (long)s.RgrpCount > (long)s.RindexBlockCount * RindexEntry.PerBlock(blockSize))
        {
            problem = $"block 0: invalid resource index {s.RindexFirstBlock}+{s.RindexBlockCount} for {s.RgrpCount} rgrps";
            return Errno.EUCLEAN;
        }
        if (s.RootInode <= 0 || s.RootInode >= blockCount) { problem = $"block 0: root inode {s.RootInode} outside the filesystem"; return Errno.EUCLEAN; }
        sb = s;
        problem = null;
        return Errno.OK;
    }

    /// <summary>Encodes a string NUL-padded; false when it does not fit.</summary>
    public static bool FitsLockTable(string table) => Encoding.UTF8.GetByteCount(table) < LockTableLength;

    private static void WriteString(Span<byte> field, string value)
    {
        field.Clear();
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length >= field.Length) throw new ArgumentException($"'{value}' is longer than {field.Length - 1} bytes");
        bytes.CopyTo(field);
    }

    private static string ReadString(ReadOnlySpan<byte> field)
    {
        int n = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(n < 0 ? field : field[..n]);
    }
}
