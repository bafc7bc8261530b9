using System.Collections.Concurrent;
using System.Threading.Channels;
using ClusterFs.Fs.LockManagers;

namespace ClusterFs.Fs.Tests.Etcd;

/// <summary>
/// Records every lock-manager callback of one node in per-kind queues the test awaits (bounded), each stamped
/// with a sequence number from a clock shared by all nodes of a test, so tests can assert the order of events
/// across nodes without timing.
/// </summary>
public sealed class RecordingCallbacks(EventClock clock) : ILockManagerCallbacks
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<LockName, Channel<Completion>> _completions = new();
    private readonly ConcurrentDictionary<LockName, Channel<(LockState Wanted, long Seq)>> _blocking = new();
    private readonly TaskCompletionSource<(string Reason, long Seq)> _withdrawn = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly TaskCompletionSource<int> _firstRecovery = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _recoveryCount;

    public readonly record struct Completion(LockState State, LockStatus Status, long Seq);

    public Task<(string Reason, long Seq)> Withdrawn => _withdrawn.Task;

    public void Completed(LockName name, LockState state, LockStatus status) =>
        Queue(_completions, name).Writer.TryWrite(new Completion(state, status, clock.Next()));

    public void Blocking(LockName name, LockState wanted) => Queue(_blocking, name).Writer.TryWrite((wanted, clock.Next()));

    public void RecoverJournal(int journalId)
    {
        Interlocked.Increment(ref _recoveryCount);
        _firstRecovery.TrySetResult(journalId);
    }

    /// <summary>Completes with the journal id of the first RecoverJournal this node gets.</summary>
    public Task<int> FirstRecovery => _firstRecovery.Task;

    public int RecoveryCount => Volatile.Read(ref _recoveryCount);

    public void Withdraw(string reason) => _withdrawn.TrySetResult((reason, clock.Next()));

    /// <summary>The next completion for <paramref name="name"/>; fails the test if none comes within <see cref="Timeout"/>.</summary>
    public Task<Completion> NextCompletionAsync(LockName name) => ReadAsync(Queue(_completions, name), $"completion of {name}");

    /// <summary>The next blocking callback for <paramref name="name"/>; fails the test if none comes in time.</summary>
    public Task<(LockState Wanted, long Seq)> NextBlockingAsync(LockName name) => ReadAsync(Queue(_blocking, name), $"blocking callback for {name}");

    /// <summary>Whether a completion for <paramref name="name"/> is already queued (a check of what happened so far, not a wait).</summary>
    public bool HasCompletion(LockName name) => Queue(_completions, name).Reader.Count > 0;

    public bool HasBlocking(LockName name) => Queue(_blocking, name).Reader.Count > 0;

    public bool HasRecovery => RecoveryCount > 0;

    private static Channel<T> Queue<T>(ConcurrentDictionary<LockName, Channel<T>> map, LockName name) =>
        map.GetOrAdd(name, _ => Channel.CreateUnbounded<T>());

    private static async Task<T> ReadAsync<T>(Channel<T> channel, string what)
    {
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            return await channel.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"no {what} within {Timeout.TotalSeconds} s");
        }
    }
}
