using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.LockManagers.Etcd;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>One mounted etcd node of a test (its own client and lease) with its recorded callbacks.</summary>
public sealed class EtcdNode : IDisposable
{
    /// <summary>Short leases keep the failure tests quick: withdraw after 4 s without keep-alive, expiry at 6 s.
    /// (At 3 s a healthy node on a loaded 2-core CI machine sometimes missed its 2 s fencing deadline and withdrew.)</summary>
    public const int TestLeaseTtlSeconds = 6;

    private EtcdNode(EtcdLockManager manager, RecordingCallbacks callbacks, int journalId)
    {
        Manager = manager;
        Callbacks = callbacks;
        JournalId = journalId;
    }

    public EtcdLockManager Manager { get; }

    public RecordingCallbacks Callbacks { get; }

    public int JournalId { get; }

    public static EtcdLockManager CreateManager(EtcdFixture etcd) =>
        new(new EtcdLockManagerOptions(etcd.ClientUrl) { LeaseTtlSeconds = TestLeaseTtlSeconds });

    /// <summary>Mounts a new node on <paramref name="table"/>; fails the test if the mount is refused.</summary>
    public static EtcdNode Mount(EtcdFixture etcd, EventClock clock, string table, int journalCount = 4, int requestedJournal = -1)
    {
        var manager = CreateManager(etcd);
        var callbacks = new RecordingCallbacks(clock);
        var err = manager.Mount(table, journalCount, requestedJournal, callbacks, out int jid);
        Assert.True(err.IsOk, $"mount of {table} refused: {err}: {manager.LastError}");
        return new EtcdNode(manager, callbacks, jid);
    }

    /// <summary>Sends a request and waits (bounded) for its completion.</summary>
    public async Task<RecordingCallbacks.Completion> LockAsync(LockName name, LockState current, LockState requested,
        LockRequestFlags flags = LockRequestFlags.None)
    {
        Manager.Lock(name, current, requested, flags);
        return await Callbacks.NextCompletionAsync(name);
    }

    /// <summary>Sends a request whose completion the test awaits later with <see cref="RecordingCallbacks.NextCompletionAsync"/>.</summary>
    public Task<RecordingCallbacks.Completion> StartLock(LockName name, LockState current, LockState requested,
        LockRequestFlags flags = LockRequestFlags.None)
    {
        Manager.Lock(name, current, requested, flags);
        return Callbacks.NextCompletionAsync(name);
    }

    /// <summary>Asserts that a request was granted in <paramref name="state"/>.</summary>
    public static void AssertGranted(RecordingCallbacks.Completion c, LockState state)
    {
        Assert.Equal(LockStatus.Granted, c.Status);
        Assert.Equal(state, c.State);
    }

    public void Dispose() => Manager.Dispose();

    public static Errno MountError(EtcdLockManager manager, string table, int journalCount, int requestedJournal, out int jid) =>
        manager.Mount(table, journalCount, requestedJournal, new RecordingCallbacks(new EventClock()), out jid);
}
