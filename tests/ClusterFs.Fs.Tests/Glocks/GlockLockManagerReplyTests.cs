using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;

namespace ClusterFs.Fs.Tests.Glocks;

/// <summary>How the glock engine reacts to the contention replies a lock manager may give a conversion (docs/locking.md).</summary>
public class GlockLockManagerReplyTests
{
    private const LockState UN = LockState.Unlocked, SH = LockState.Shared, EX = LockState.Exclusive;

    private static (GlockTable, Glock, RecordingGlockTarget) Node(ScriptedLockManager lm)
    {
        var table = new GlockTable(lm, new GlockTableOptions { Clock = new ManualGlockClock() });
        Assert.True(table.Mount("test:fs", 1).IsOk);
        var gl = table.Get(9, InodeGlockOperations.Instance);
        var target = new RecordingGlockTarget();
        gl.Target = target;
        var sh = new GlockHolder(gl, SH, owner: new GlockOwner(1));
        Assert.True(sh.Nq().IsOk);
        sh.Dq();
        target.Clear();
        return (table, gl, target);
    }

    [Theory]
    [InlineData(LockStatus.Granted)]   // the conversion-deadlock reply: "granted" in the unchanged state (gdlm's -EDEADLK)
    [InlineData(LockStatus.TryFailed)]
    public void A_conversion_that_comes_back_unchanged_goes_through_UN_with_invalidation_and_retries(LockStatus reply)
    {
        var lm = new ScriptedLockManager();
        var (table, gl, target) = Node(lm);
        using (table)
        {
            lm.Answer = (from, to, _) => from == SH && to == EX ? (SH, reply) : (to, LockStatus.Granted);
            var ex = new GlockHolder(gl, EX, owner: new GlockOwner(1));
            Assert.True(ex.Nq().IsOk);
            Assert.Equal(EX, gl.State);
            var requests = lm.Requests.Skip(1).ToArray(); // after the initial UN->SH
            Assert.Equal([(SH, EX), (SH, UN), (UN, EX)], requests.Select(r => (r.From, r.To)));
            Assert.Equal(LockRequestFlags.TryOneCallback, requests[0].Flags); // sent as try-with-callback
            Assert.Equal(LockRequestFlags.None, requests[2].Flags);
            Assert.Equal(["sync SH->EX", "sync SH->UN", "inval meta", "sync UN->EX", "refresh", "held EX"], target.Events);
            ex.Dq();
        }
    }

    [Fact]
    public void A_TRY_holder_whose_conversion_comes_back_unchanged_fails_with_try_failed_and_keeps_SH()
    {
        var lm = new ScriptedLockManager();
        var (table, gl, _) = Node(lm);
        using (table)
        {
            lm.Answer = (from, to, _) => from == SH && to == EX ? (SH, LockStatus.Granted) : (to, LockStatus.Granted);
            var ex = new GlockHolder(gl, EX, GlockHolderFlags.Try, new GlockOwner(1));
            Assert.True(ex.Nq().IsTryFailed);
            Assert.Equal(SH, gl.State);
            Assert.Equal([(SH, EX)], lm.Requests.Skip(1).Select(r => (r.From, r.To)));
        }
    }

    private static (GlockTable, Glock) CachedShared(DeferredLockManager lm)
    {
        var table = new GlockTable(lm, new GlockTableOptions { Clock = new ManualGlockClock() });
        Assert.True(table.Mount("test:fs", 1).IsOk);
        var gl = table.Get(9, InodeGlockOperations.Instance);
        var sh = new GlockHolder(gl, SH, GlockHolderFlags.Async, new GlockOwner(1));
        Assert.True(sh.Nq().IsOk);
        lm.WaitForRequest(UN, SH);
        lm.Reply(SH, LockStatus.Granted);
        Assert.True(sh.Wait(TimeSpan.FromSeconds(10)).IsOk);
        sh.Dq();
        return (table, gl);
    }

    /// <summary>Starts an SH->EX conversion that the lock manager refuses, so the glock goes through UN: returns
    /// the EX holder with its SH->UN step outstanding.</summary>
    private static GlockHolder ConversionAtItsUnlockStep(DeferredLockManager lm, Glock gl)
    {
        var ex = new GlockHolder(gl, EX, GlockHolderFlags.Async, new GlockOwner(2));
        Assert.True(ex.Nq().IsOk);
        lm.WaitForRequest(SH, EX);
        lm.Reply(SH, LockStatus.TryFailed);
        lm.WaitForRequest(SH, UN);
        return ex;
    }

    private static Thread Dequeue(GlockHolder gh)
    {
        var t = new Thread(gh.Dq) { IsBackground = true };
        t.Start();
        return t;
    }

    [Fact]
    public void A_dequeue_during_the_unlock_step_of_a_conversion_cancels_the_holder_instead_of_asking_for_EX()
    {
        var lm = new DeferredLockManager();
        var (table, gl) = CachedShared(lm);
        using (table)
        {
            var ex = ConversionAtItsUnlockStep(lm, gl);
            var dq = Dequeue(ex);
            lm.WaitForCancels(1); // an unlock cannot be cancelled: the manager had nothing to cancel
            lm.Reply(UN, LockStatus.Granted);
            Assert.True(dq.Join(TimeSpan.FromSeconds(10)), "the dequeue never returned: the glock went on to ask for EX");
            Assert.False(ex.IsQueued);
            Assert.Equal([(UN, SH), (SH, EX), (SH, UN)], lm.Requests);
            Assert.Equal(UN, gl.State);
        }
    }

    [Fact]
    public void A_cancel_sent_between_two_steps_of_a_conversion_is_sent_again_once_the_next_request_is_registered()
    {
        var lm = new DeferredLockManager();
        var (table, gl) = CachedShared(lm);
        using (table)
        {
            var ex = ConversionAtItsUnlockStep(lm, gl);
            using var parked = new ManualResetEventSlim();
            using var resume = new ManualResetEventSlim();
            lm.HoldNextLock(parked, resume);
            lm.Reply(UN, LockStatus.Granted); // the worker goes on to UN->EX and parks before registering it
            Assert.True(parked.Wait(TimeSpan.FromSeconds(10)), "the UN->EX request never started");
            var dq = Dequeue(ex);
            lm.WaitForCancels(1); // finds nothing outstanding
            resume.Set();
            Assert.True(dq.Join(TimeSpan.FromSeconds(10)), "the dequeue never returned: its cancel was lost between the steps");
            Assert.Equal(2, lm.Cancels);
            Assert.False(ex.IsQueued);
            Assert.Equal([(UN, SH), (SH, EX), (SH, UN), (UN, EX)], lm.Requests);
        }
    }
}
