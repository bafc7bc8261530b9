using ClusterFs.Fs.Glocks;
using ClusterFs.Fs.Glocks.Operations;
using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests.Glocks;

/// <summary>The recursion trap: a task asking again for a glock it holds or waits for gets an immediate error naming both holders.</summary>
public class GlockRecursionTests
{
    private static readonly GlockOwner Task1 = new(101), Task2 = new(102);

    [Fact]
    public void Requesting_a_held_glock_again_fails_at_once_with_EDEADLK_naming_both_holders()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(7, InodeGlockOperations.Instance);
        var outer = new GlockHolder(gl, LockState.Exclusive, owner: Task1);
        Assert.True(outer.Nq().IsOk);

        // What a page fault on a mapping of the same inode would do while the write holds EX.
        var inner = new GlockHolder(gl, LockState.Shared, owner: Task1);
        var result = FaultPath(inner);

        Assert.Equal(Errno.EDEADLK, result.Errno);
        Assert.False(inner.IsQueued);
        Assert.True(outer.IsHolder);
        var report = inner.Diagnostic!;
        Assert.Contains("original: owner 101, state EX, holder, caller Requesting_a_held_glock_again", report);
        Assert.Contains("new: owner 101, state SH, caller FaultPath", report);
        Assert.Contains(gl.Name.ToString(), report);
    }

    private static GlockResult FaultPath(GlockHolder h) => h.Nq();

    [Fact]
    public void Requesting_a_glock_the_task_already_waits_for_fails_at_once_even_with_ASYNC()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(7, NondiskGlockOperations.Instance);
        Assert.True(new GlockHolder(gl, LockState.Exclusive, owner: Task2).Nq().IsOk);
        var waiting = new GlockHolder(gl, LockState.Shared, GlockHolderFlags.Async, Task1);
        waiting.Nq();
        Assert.True(waiting.IsWaiting);

        var again = new GlockHolder(gl, LockState.Shared, GlockHolderFlags.Async, Task1);
        Assert.Equal(Errno.EDEADLK, again.Nq().Errno);
        Assert.Contains("waiter", again.Diagnostic);
        Assert.True(waiting.IsWaiting);
    }

    [Fact]
    public void Another_task_on_the_same_thread_is_not_a_recursion()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(7, NondiskGlockOperations.Instance);
        Assert.True(new GlockHolder(gl, LockState.Shared, owner: Task1).Nq().IsOk);
        Assert.True(new GlockHolder(gl, LockState.Shared, owner: Task2).Nq().IsOk);
    }

    [Fact]
    public void Default_owner_is_the_thread_and_can_be_overridden_by_a_scope()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(7, NondiskGlockOperations.Instance);
        Assert.True(new GlockHolder(gl, LockState.Shared).Nq().IsOk);
        Assert.Equal(Errno.EDEADLK, new GlockHolder(gl, LockState.Shared).Nq().Errno);
        using (GlockOwner.Enter(new GlockOwner(555)))
        {
            var other = new GlockHolder(gl, LockState.Shared);
            Assert.Equal(555, other.Owner.Id);
            Assert.True(other.Nq().IsOk);
        }
        Assert.Equal(Environment.CurrentManagedThreadId, GlockOwner.Current.Id);
    }

    [Fact]
    public void Flock_glocks_allow_the_same_task_to_queue_twice()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(7, FlockGlockOperations.Instance);
        Assert.True(new GlockHolder(gl, LockState.Shared, owner: Task1).Nq().IsOk);
        Assert.True(new GlockHolder(gl, LockState.Shared, owner: Task1).Nq().IsOk);
    }

    [Fact]
    public void A_granted_NOPID_holder_does_not_trap_its_owner()
    {
        using var node = new SingleNode();
        var gl = node.Table.Get(7, NondiskGlockOperations.Instance);
        Assert.True(new GlockHolder(gl, LockState.Shared, GlockHolderFlags.NoPid, Task1).Nq().IsOk);
        Assert.True(new GlockHolder(gl, LockState.Shared, owner: Task1).Nq().IsOk);
    }
}
