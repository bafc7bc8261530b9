using System.Diagnostics;

namespace ClusterFs.Fs.LockManagers.Etcd;

public sealed partial class EtcdLockManager
{
    private volatile bool _keepAliveSuspended;

    /// <summary>
    /// Renews the lease every <see cref="EtcdLockManagerOptions.KeepAliveInterval"/> and fences this node: once the
    /// last keep-alive that etcd acknowledged was sent more than TTL minus the safety margin ago, the node withdraws.
    /// etcd renews the lease no earlier than it receives a keep-alive, so the lease outlives the withdrawal by at
    /// least the margin. A keep-alive answered with TTL 0 (lease gone, e.g. revoked) withdraws at once.
    /// </summary>
    private async Task KeepAliveAsync(long lastAckedSend)
    {
        var fenceAfter = _options.LeaseTtl - _options.EffectiveMargin;
        var interval = _options.KeepAliveInterval;
        // Check the fence often enough that a hung keep-alive cannot delay the withdrawal by much.
        var tick = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 10, interval.Ticks / 4));
        Task<EtcdResult<long>>? inFlight = null;
        long inFlightSent = 0;
        long nextSend = Now();
        string lastFailure = "no keep-alive answered yet";
        try
        {
            while (!_shutdown.IsCancellationRequested)
            {
                if (inFlight == null && Now() >= nextSend && !_keepAliveSuspended)
                {
                    inFlightSent = Now();
                    inFlight = _client.LeaseKeepAliveAsync(LeaseId, _shutdown.Token);
                    nextSend = inFlightSent + (long)(interval.TotalSeconds * Stopwatch.Frequency);
                }
                if (inFlight is { IsCompleted: true })
                {
                    var r = inFlight.Result;
                    inFlight = null;
                    if (r.IsOk && r.Value > 0) lastAckedSend = inFlightSent;
                    else if (r.IsOk)
                    {
                        Withdraw($"lease {NodeId} of lock space {_keys!.Root} no longer exists (expired or revoked)");
                        return;
                    }
                    else lastFailure = r.Message;
                }
                if (Stopwatch.GetElapsedTime(lastAckedSend) > fenceAfter)
                {
                    Withdraw($"no lease keep-alive acknowledged for {Stopwatch.GetElapsedTime(lastAckedSend).TotalSeconds:0.0} s "
                        + $"(lease TTL {_options.LeaseTtlSeconds} s): {lastFailure}");
                    return;
                }
                var wake = inFlight == null ? Task.Delay(tick, _shutdown.Token) : Task.WhenAny(inFlight, Task.Delay(tick, _shutdown.Token));
                await wake.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Unmount or withdrawal.
        }
    }

    /// <summary>Test hook: stop sending keep-alives, as if the node were cut off from etcd.</summary>
    internal void SuspendKeepAlive() => _keepAliveSuspended = true;
}
