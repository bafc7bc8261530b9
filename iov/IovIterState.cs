namespace ClusterFs.Iov;

/// <summary>
/// A saved position of an <see cref="IovIter"/> (the kernel's <c>iov_iter_state</c>), taken by
/// <see cref="IovIter.SaveState"/> and given back to <see cref="IovIter.Restore"/> of the same iterator.
/// </summary>
/// <param name="IovOffset">Offset inside the current segment (from the start for UBUF).</param>
/// <param name="Count">Bytes remaining.</param>
/// <param name="NrSegs">Segments remaining, counting the current one.</param>
/// <param name="Consumed">Bytes consumed since the start of the iterator (bounds <see cref="IovIter.Revert"/>).</param>
public readonly record struct IovIterState(long IovOffset, long Count, int NrSegs, long Consumed);
