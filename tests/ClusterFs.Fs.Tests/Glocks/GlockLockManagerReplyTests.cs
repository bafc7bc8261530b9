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
}
