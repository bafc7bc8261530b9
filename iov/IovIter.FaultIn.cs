namespace ClusterFs.Iov;

// The walk behind FaultInIter: fault_in_iov_iter_* never advance the iterator.
public sealed partial class IovIter
{
    /// <summary>
    /// Walks up to <paramref name="size"/> bytes from the current position with <paramref name="step"/>
    /// on a copy of the position, so the iterator does not move. Returns the bytes NOT processed:
    /// <paramref name="size"/> minus the walk's progress for user kinds (so a size beyond the count
    /// counts as not done, as upstream), and 0 for every other kind.
    /// </summary>
    internal long FaultInWalk<TStep>(long size, ref TStep step)
        where TStep : IIterStep, allows ref struct
    {
        CheckLength(size, nameof(size));
        if (!IsUserBacked) return 0;
        Position pos = _pos;
        return size - Walk(ref pos, size, ref step);
    }
}
