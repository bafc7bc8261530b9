namespace ClusterFs.Fs.Vfs;

/// <summary>
/// A kernel I/O control block: the file position, flags and, for asynchronous I/O, the completion
/// callback (ki_complete). A synchronous kiocb has <see cref="Complete"/> null. An operation that
/// returns -EIOCBQUEUED calls <see cref="Complete"/> exactly once later with the final result
/// (a count including done_before, or -errno).
/// </summary>
public sealed class Kiocb
{
    public Kiocb(long position, KiocbFlags flags = KiocbFlags.None, Action<Kiocb, long>? complete = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        Position = position;
        Flags = flags;
        Complete = complete;
    }

    /// <summary>ki_pos: advanced by the bytes each call transferred.</summary>
    public long Position { get; set; }

    public KiocbFlags Flags { get; set; }

    /// <summary>ki_complete; null for synchronous I/O.</summary>
    public Action<Kiocb, long>? Complete { get; }

    public bool IsSync => Complete is null;
}
