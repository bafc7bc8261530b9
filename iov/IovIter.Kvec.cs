namespace ClusterFs.Iov;

public sealed partial class IovIter
{
    /// <summary>
    /// For a KVEC iterator: the kernel memory of its next <paramref name="length"/> bytes when they lie in one segment,
    /// without advancing, so a caller can do device I/O on it in place instead of through a bounce buffer (then
    /// <see cref="Advance"/> by what it moved). False, with <paramref name="memory"/> empty, for any other kind, a
    /// length that is not positive or exceeds <see cref="Count"/>, or bytes that span segments.
    /// </summary>
    public bool TryGetKvecRange(long length, out Memory<byte> memory)
    {
        memory = default;
        if (_kind != IterKind.Kvec || length <= 0 || length > _pos.Count) return false;
        Memory<byte> seg = _kvec![_pos.SegIndex];
        if (_pos.Offset + length > seg.Length) return false;
        memory = seg.Slice((int)_pos.Offset, (int)length);
        return true;
    }
}
