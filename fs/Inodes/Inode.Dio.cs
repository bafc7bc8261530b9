using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Inodes;

// i_dio_count and inode_dio_wait: asynchronous direct I/O completes after its caller dropped the glock (DF), so a
// later SH or EX holder waits for it in go_held before it caches pages or changes blocks under the I/O.
public sealed partial class Inode
{
    private readonly object _dioLock = new(); // leaf (waited on with Monitor.Wait): guards _dioWaiters, pairs with _dioCount
    private int _dioCount;   // direct-I/O calls begun and not completed; changed under _dioLock, read without it
    private int _dioWaiters; // threads in DioWait

    /// <inheritdoc/>
    public void DioBegin()
    {
        lock (_dioLock) _dioCount++;
    }

    /// <inheritdoc/>
    public void DioEnd()
    {
        lock (_dioLock)
        {
            if (--_dioCount < 0) throw new InvalidOperationException($"inode {Ino}: more direct-I/O ends than begins");
            if (_dioCount == 0 && _dioWaiters > 0) Monitor.PulseAll(_dioLock);
        }
    }

    /// <summary>Direct-I/O calls in flight on this inode.</summary>
    public int DioInFlight => Volatile.Read(ref _dioCount);

    /// <summary>Threads waiting in <see cref="DioWait"/> (tests use it to know a holder is parked there).</summary>
    internal int DioWaiters => Volatile.Read(ref _dioWaiters);

    /// <summary>inode_dio_wait: returns once no direct I/O is in flight. Completions need no glock, so this ends.</summary>
    public void DioWait()
    {
        if (Volatile.Read(ref _dioCount) == 0) return;
        lock (_dioLock)
        {
            _dioWaiters++;
            try
            {
                while (_dioCount > 0) Monitor.Wait(_dioLock);
            }
            finally
            {
                _dioWaiters--;
            }
        }
    }

    /// <summary>go_held (gfs2_inode_go_held): every grant but DF waits for in-flight direct I/O; DF holders are direct
    /// I/O themselves and run beside it.</summary>
    public Errno Held(LockState holderState)
    {
        if (holderState != LockState.Deferred) DioWait();
        return Errno.OK;
    }
}
