using ClusterFs.Fs.LockManagers;
using ClusterFs.Fs.LockManagers.Plocks;

namespace ClusterFs.Fs.Tests.Plocks;

/// <summary>The POSIX range rules of one inode's lock list: coalescing, splitting, upgrading part of a range, conflicts.</summary>
public sealed class PosixLockListTests
{
    private const long Max = PosixLock.OffsetMax;

    private static PosixLockRequest Req(ulong owner, PosixLockType type, long start, long end, int pid = 100) => new(owner, type, start, end, pid);

    private static (PosixLockType, long, long)[] Ranges(PosixLockList list, int node, ulong owner) =>
        [.. list.OwnedBy(node, owner).Select(l => (l.Type, l.Start, l.End))];

    [Fact]
    public void Overlapping_and_adjacent_locks_of_one_type_coalesce_into_one()
    {
        var list = new PosixLockList();
        list.Apply(0, Req(1, PosixLockType.Read, 0, 9));
        list.Apply(0, Req(1, PosixLockType.Read, 10, 19)); // adjacent
        list.Apply(0, Req(1, PosixLockType.Read, 15, 29)); // overlapping
        Assert.Equal([(PosixLockType.Read, 0L, 29L)], Ranges(list, 0, 1));
    }

    [Fact]
    public void Locks_with_a_gap_between_them_stay_apart_until_the_gap_is_locked()
    {
        var list = new PosixLockList();
        list.Apply(0, Req(1, PosixLockType.Write, 0, 4));
        list.Apply(0, Req(1, PosixLockType.Write, 6, 9));
        Assert.Equal([(PosixLockType.Write, 0L, 4L), (PosixLockType.Write, 6L, 9L)], Ranges(list, 0, 1));
        list.Apply(0, Req(1, PosixLockType.Write, 5, 5));
        Assert.Equal([(PosixLockType.Write, 0L, 9L)], Ranges(list, 0, 1));
    }

    [Fact]
    public void Unlocking_the_middle_of_a_lock_splits_it_in_two()
    {
        var list = new PosixLockList();
        list.Apply(0, Req(1, PosixLockType.Write, 0, Max));
        list.Apply(0, Req(1, PosixLockType.Unlock, 10, 19));
        Assert.Equal([(PosixLockType.Write, 0L, 9L), (PosixLockType.Write, 20L, Max)], Ranges(list, 0, 1));
    }

    [Fact]
    public void Upgrading_part_of_a_read_lock_replaces_only_that_part()
    {
        var list = new PosixLockList();
        list.Apply(0, Req(1, PosixLockType.Read, 0, 99));
        list.Apply(0, Req(1, PosixLockType.Write, 40, 59));
        Assert.Equal([(PosixLockType.Read, 0L, 39L), (PosixLockType.Write, 40L, 59L), (PosixLockType.Read, 60L, 99L)], Ranges(list, 0, 1));
        // Downgrading it again merges the three back into one read lock.
        list.Apply(0, Req(1, PosixLockType.Read, 40, 59));
        Assert.Equal([(PosixLockType.Read, 0L, 99L)], Ranges(list, 0, 1));
    }

    [Fact]
    public void A_lock_over_several_of_the_owners_locks_of_both_types_replaces_them_all()
    {
        var list = new PosixLockList();
        list.Apply(0, Req(1, PosixLockType.Read, 0, 9));
        list.Apply(0, Req(1, PosixLockType.Write, 20, 29));
        list.Apply(0, Req(1, PosixLockType.Read, 40, 49));
        list.Apply(0, Req(1, PosixLockType.Write, 5, 44));
        Assert.Equal([(PosixLockType.Read, 0L, 4L), (PosixLockType.Write, 5L, 44L), (PosixLockType.Read, 45L, 49L)], Ranges(list, 0, 1));
    }

    [Fact]
    public void Unlock_leaves_other_owners_and_other_nodes_untouched()
    {
        var list = new PosixLockList();
        list.Apply(0, Req(1, PosixLockType.Read, 0, 9));
        list.Apply(0, Req(2, PosixLockType.Read, 0, 9));
        list.Apply(1, Req(1, PosixLockType.Read, 0, 9)); // same lock_owner number, another node: another owner
        list.Apply(0, Req(1, PosixLockType.Unlock, 0, Max));
        Assert.Empty(Ranges(list, 0, 1));
        Assert.Single(Ranges(list, 0, 2));
        Assert.Single(Ranges(list, 1, 1));
    }

    [Fact]
    public void Conflicts_need_another_owner_an_overlap_and_a_write_lock()
    {
        var list = new PosixLockList();
        list.Apply(0, Req(1, PosixLockType.Read, 10, 19));
        list.Apply(1, Req(7, PosixLockType.Write, 30, 39, pid: 4242));
        Assert.Null(list.FindConflict(0, Req(2, PosixLockType.Read, 0, 29)));       // read vs read
        Assert.Null(list.FindConflict(0, Req(1, PosixLockType.Write, 10, 19)));     // own lock
        Assert.Null(list.FindConflict(0, Req(2, PosixLockType.Write, 20, 29)));     // no overlap
        Assert.Null(list.FindConflict(0, Req(2, PosixLockType.Unlock, 0, Max)));    // unlock conflicts with nothing
        Assert.Equal(new PosixLock(PosixLockType.Read, 10, 19, 0, 1, 100), list.FindConflict(0, Req(2, PosixLockType.Write, 0, 10)));
        // The lowest start wins; the other node's lock reports its node, owner and pid.
        Assert.Equal(10, list.FindConflict(1, Req(8, PosixLockType.Write, 0, Max))!.Value.Start);
        Assert.Equal(new PosixLock(PosixLockType.Write, 30, 39, 1, 7, 4242), list.FindConflict(0, Req(1, PosixLockType.Read, 35, Max)));
    }

    [Fact]
    public void Removing_an_owner_or_a_node_drops_exactly_their_locks()
    {
        var list = new PosixLockList();
        list.Apply(0, Req(1, PosixLockType.Read, 0, 9));
        list.Apply(0, Req(2, PosixLockType.Read, 0, 9));
        list.Apply(1, Req(3, PosixLockType.Read, 0, 9));
        Assert.True(list.RemoveOwner(0, 1));
        Assert.False(list.RemoveOwner(0, 1));
        Assert.Equal(2, list.Locks.Count);
        Assert.True(list.RemoveNode(1));
        Assert.Equal([(0, 2UL)], list.Locks.Select(l => (l.Node, l.Owner)));
    }

    [Fact]
    public void A_malformed_request_is_refused_as_a_bug()
    {
        var list = new PosixLockList();
        Assert.Throws<ArgumentException>(() => list.Apply(0, Req(1, PosixLockType.Read, 10, 9)));
        Assert.Throws<ArgumentException>(() => list.Apply(0, Req(1, PosixLockType.Read, -1, 9)));
    }
}
