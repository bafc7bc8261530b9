using ClusterFs.Fs.Vfs;
using ClusterFs.Iov;
using ClusterFs.Iov.Mm;
using ClusterFs.Iov.Tasks;

namespace ClusterFs.Fs.Files;

/// <summary>gfs2's should_fault_in_pages, shared by the buffered and direct retry loops.</summary>
public static class FaultInWindow
{
    /// <summary>The largest window faulted in at once.</summary>
    public const long MaxWindow = 1L << 20;

    /// <summary>
    /// should_fault_in_pages: false when nothing is left or the iterator is not user memory. Otherwise true,
    /// with the window to fault in: after progress (or on the first call) up to 1 MiB, bounded by the task's
    /// dirty-page allowance (<see cref="TaskContext.NrDirtiedPause"/> - <see cref="TaskContext.NrDirtied"/>,
    /// at least 8 pages); after a round without progress (<see cref="IovIter.Count"/> equal to
    /// <paramref name="prevCount"/>) one page. The window ends at a page boundary of the FILE position: its
    /// offset in its page is subtracted. <paramref name="prevCount"/> is updated to the current count.
    /// </summary>
    public static bool ShouldFaultInPages(IovIter iter, Kiocb iocb, TaskContext task, ref long prevCount, out long window)
    {
        ArgumentNullException.ThrowIfNull(iter);
        ArgumentNullException.ThrowIfNull(iocb);
        ArgumentNullException.ThrowIfNull(task);
        window = 0;
        long count = iter.Count;
        if (count == 0 || !iter.IsUserBacked) return false;
        long size = Page.Size;
        if (prevCount != count)
        {
            long pages = Math.Max(task.NrDirtiedPause - task.NrDirtied, 8);
            size = Math.Min(MaxWindow, pages * Page.Size);
        }
        prevCount = count;
        window = size - (iocb.Position & (Page.Size - 1));
        return true;
    }
}
