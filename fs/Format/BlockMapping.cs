namespace ClusterFs.Fs.Format;

/// <summary>
/// Where a run of file blocks lives: <see cref="DeviceBlock"/> 0 for a hole (reads as zeroes), otherwise the
/// device block of the first file block, with the run continuing contiguously on the device for
/// <see cref="Length"/> blocks, all of the same kind (written, or unwritten = allocated but reads as zeroes).
/// </summary>
public readonly record struct BlockMapping(long FileBlock, long DeviceBlock, long Length, bool Unwritten)
{
    public bool IsHole => DeviceBlock == 0;
}
