namespace ClusterFs.Fs.Iomap;

/// <summary>
/// One extent of a file as <see cref="IIomapOps.Begin"/> reports it: [Offset, Offset + Length) of the file
/// is <see cref="Type"/>. For Mapped/Unwritten, <see cref="DeviceOffset"/> is the byte address of
/// <see cref="Offset"/> on the device; for Inline, <see cref="InlineData"/> holds the file bytes from
/// <see cref="Offset"/> (the engine copies to/from it; End commits it).
/// </summary>
public readonly record struct IomapMapping(
    long Offset,
    long Length,
    IomapType Type,
    long DeviceOffset,
    IomapFlags Flags,
    Memory<byte> InlineData = default)
{
    public const long NoDeviceOffset = -1;
}
