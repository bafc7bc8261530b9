namespace ClusterFs.Fs.LockManagers;

/// <summary>The type of a POSIX record lock (fcntl's F_RDLCK, F_WRLCK, F_UNLCK, same values).</summary>
public enum PosixLockType : short
{
    /// <summary>A shared lock (F_RDLCK): conflicts only with other owners' write locks.</summary>
    Read = 0,

    /// <summary>An exclusive lock (F_WRLCK): conflicts with every other owner's lock.</summary>
    Write = 1,

    /// <summary>No lock (F_UNLCK): in a request, removes the owner's locks in the range; in a test result, "no conflict".</summary>
    Unlock = 2,
}
