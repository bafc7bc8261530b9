using System.Buffers.Binary;

namespace ClusterFs.Fs.Format;

/// <summary>Accessors over a dinode block image (layout in docs/ondisk-format.md). Setters change the image only.</summary>
internal readonly struct DinodeImage(byte[] image)
{
    public const int DataOffset = 160;
    public const int MaxHeight = 8;

    public byte[] Image => image;
    public Span<byte> Data => image.AsSpan(DataOffset);
    public uint Mode { get => U32(32); set => W32(32, value); }
    public uint Uid { get => U32(36); set => W32(36, value); }
    public uint Gid { get => U32(40); set => W32(40, value); }
    public uint Nlink { get => U32(44); set => W32(44, value); }
    public long Size { get => I64(48); set => W64(48, value); }
    public long Blocks { get => I64(56); set => W64(56, value); }
    public long AtimeSec { get => I64(64); set => W64(64, value); }
    public long MtimeSec { get => I64(72); set => W64(72, value); }
    public long CtimeSec { get => I64(80); set => W64(80, value); }
    public uint AtimeNsec { get => U32(88); set => W32(88, value); }
    public uint MtimeNsec { get => U32(92); set => W32(92, value); }
    public uint CtimeNsec { get => U32(96); set => W32(96, value); }
    public uint Flags { get => U32(100); set => W32(100, value); }
    public long Generation { get => I64(104); set => W64(104, value); }
    public int Height { get => BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(112)); set => BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(112), (ushort)value); }
    public int DirDepth { get => BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(114)); set => BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(114), (ushort)value); }
    public long XattrBlock { get => I64(120); set => W64(120, value); }
    public long Parent { get => I64(128); set => W64(128, value); }
    public long Entries { get => I64(136); set => W64(136, value); }

    public Timestamp Atime { get => new(AtimeSec, AtimeNsec); set { AtimeSec = value.Seconds; AtimeNsec = value.Nanoseconds; } }
    public Timestamp Mtime { get => new(MtimeSec, MtimeNsec); set { MtimeSec = value.Seconds; MtimeNsec = value.Nanoseconds; } }
    public Timestamp Ctime { get => new(CtimeSec, CtimeNsec); set { CtimeSec = value.Seconds; CtimeNsec = value.Nanoseconds; } }

    private uint U32(int o) => BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(o));
    private void W32(int o, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(o), v);
    private long I64(int o) => BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(o));
    private void W64(int o, long v) => BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(o), v);
}
