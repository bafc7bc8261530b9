namespace ClusterFs.Fs.Glocks;

/// <summary>
/// The task a holder belongs to (gfs2's gh_owner_pid), used by the recursion trap. By default the
/// current managed thread; a task layer (or a test modelling several tasks on one thread) installs
/// its own identity with <see cref="Enter"/>.
/// </summary>
public readonly record struct GlockOwner(long Id)
{
    [ThreadStatic] private static long t_override;

    /// <summary>The owner of the calling thread: the one entered with <see cref="Enter"/>, else the managed thread id.</summary>
    public static GlockOwner Current => new(t_override != 0 ? t_override : Environment.CurrentManagedThreadId);

    /// <summary>Makes <paramref name="owner"/> the calling thread's owner until the returned scope is disposed. Id must not be 0.</summary>
    public static Scope Enter(GlockOwner owner)
    {
        if (owner.Id == 0)
            throw new ArgumentException("owner id 0 is reserved", nameof(owner));
        var previous = t_override;
        t_override = owner.Id;
        return new Scope(previous);
    }

    public override string ToString() => Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Restores the previous owner on dispose.</summary>
    public readonly struct Scope(long previous) : IDisposable
    {
        public void Dispose() => t_override = previous;
    }
}
