using ClusterFs.Iov.Mm;

namespace ClusterFs.Iov.Userfaults;

/// <summary>
/// A userfault context (userfaultfd) on one address space: after the API handshake, ranges of anonymous
/// memory are registered; a missing-page fault there queues a message and blocks the faulting
/// task until a handler fills the page (COPY / ZEROPAGE) or wakes it, a signal interrupts it, or the
/// context is released. Results are errno values as Linux returns them; no exception escapes for bad
/// input, and every operation after release gives EBADF.
/// </summary>
/// <remarks>Lock order: an address space's mmap lock -> <c>_lock</c> (a fault queues its message with the
/// fault lock held, then releases the fault lock before it sleeps on <c>_lock</c>).</remarks>
public sealed partial class UserfaultContext : IDisposable, IUserfaultHandler
{
    /// <summary>The features this model implements (the API handshake reports exactly these).</summary>
    public const UserfaultFeatures SupportedFeatures =
        UserfaultFeatures.PagefaultFlagWp | UserfaultFeatures.Sigbus | UserfaultFeatures.ThreadId | UserfaultFeatures.ExactAddress |
        UserfaultFeatures.WpUnpopulated | UserfaultFeatures.WpAsync | UserfaultFeatures.EventRemove | UserfaultFeatures.EventUnmap;

    private const UserfaultCreateFlags KnownCreateFlags =
        UserfaultCreateFlags.UserModeOnly | UserfaultCreateFlags.NonBlocking | UserfaultCreateFlags.CloseOnExec;

    // Guards the queues, the async reads and the API state; Monitor.Wait on it is where faulting tasks
    // and blocking readers sleep. Lock order: mmap lock -> _lock.
    private readonly object _lock = new();
    private readonly LinkedList<UserfaultWaiter> _pending = new();
    private readonly LinkedList<UserfaultWaiter> _read = new();
    private readonly Queue<TaskCompletionSource<UserfaultReadResult>> _asyncReads = new();
    private UserfaultFeatures _features;
    private bool _apiDone;
    private volatile bool _released;

    private UserfaultContext(AddressSpace mm, UserfaultCreateFlags flags)
    {
        Mm = mm;
        Flags = flags;
    }

    public AddressSpace Mm { get; }

    public UserfaultCreateFlags Flags { get; }

    /// <summary>The features enabled by the API handshake.</summary>
    public UserfaultFeatures Features => _features;

    public bool IsReleased => _released;

    /// <summary>userfaultfd(flags): EINVAL for unknown flags, ESRCH for a disposed address space.</summary>
    public static Errno Create(AddressSpace mm, UserfaultCreateFlags flags, out UserfaultContext? context)
    {
        ArgumentNullException.ThrowIfNull(mm);
        context = null;
        if ((flags & ~KnownCreateFlags) != 0) return Errno.EINVAL;
        if (mm.IsDisposed) return Errno.ESRCH;
        context = new UserfaultContext(mm, flags);
        return Errno.OK;
    }

    /// <summary>UFFDIO_API: EINVAL for a wrong version, unsupported features or a second handshake (the struct
    /// is then zeroed). On success returns every supported feature and the context ioctls; only the
    /// requested features are enabled.</summary>
    public Errno Api(ref UffdioApi api)
    {
        lock (_lock)
        {
            if (_released) return Errno.EBADF;
            if (api.Api != UffdioApi.Version || (api.Features & ~SupportedFeatures) != 0 || _apiDone)
            {
                api = default;
                return Errno.EINVAL;
            }
            // WP_ASYNC implies WP_UNPOPULATED.
            _features = api.Features | ((api.Features & UserfaultFeatures.WpAsync) != 0 ? UserfaultFeatures.WpUnpopulated : 0);
            _apiDone = true;
            api = new UffdioApi(UffdioApi.Version, SupportedFeatures,
                UserfaultIoctls.Register | UserfaultIoctls.Unregister | UserfaultIoctls.Api);
            return Errno.OK;
        }
    }

    /// <summary>UFFDIO_REGISTER of [start, start + length) in <paramref name="modes"/>. EINVAL: before the
    /// handshake, no or unknown mode bits (Minor is unsupported), an invalid range, no VMA in the range, or a
    /// VMA that cannot userfault (private anonymous memory can in both modes, shared anonymous memory in
    /// MISSING mode only; file mappings cannot); EBUSY: a VMA registered with another
    /// context; ESRCH: the address space is gone. <paramref name="ioctls"/> gets the range ioctls.</summary>
    public Errno Register(ulong start, long length, UserfaultModes modes, out UserfaultIoctls ioctls)
    {
        ioctls = UserfaultIoctls.None;
        var check = CheckReady();
        if (!check.IsOk) return check;
        if (modes == UserfaultModes.None || (modes & ~(UserfaultModes.Missing | UserfaultModes.WriteProtect)) != 0) return Errno.EINVAL;
        if (!ValidRange(start, length)) return Errno.EINVAL;
        var r = Mm.RegisterUserfault(start, start + (ulong)length, this, modes);
        if (!r.IsOk) return r;
        ioctls = UserfaultIoctls.Wake | UserfaultIoctls.Copy | UserfaultIoctls.ZeroPage;
        if ((modes & UserfaultModes.WriteProtect) != 0) ioctls |= UserfaultIoctls.WriteProtect;
        return Errno.OK;
    }

    /// <summary>UFFDIO_UNREGISTER: wakes the faults pending in the range (so they refault normally), then
    /// clears the registration. EINVAL: before the handshake, invalid range, no VMA; ESRCH: mm gone.</summary>
    public Errno Unregister(ulong start, long length)
    {
        var check = CheckReady();
        if (!check.IsOk) return check;
        if (!ValidRange(start, length)) return Errno.EINVAL;
        ulong end = start + (ulong)length;
        var r = Mm.UnregisterUserfault(start, end, this);
        WakeRange(start, end);
        return r;
    }

    /// <summary>poll(): Err before the handshake or on a blocking context, In while an unread fault or event is
    /// pending, Hup after release.</summary>
    public PollEvents Poll()
    {
        lock (_lock)
        {
            if (!_apiDone) return PollEvents.Err | (_released ? PollEvents.Hup : 0);
            var events = PollEvents.None;
            if ((Flags & UserfaultCreateFlags.NonBlocking) == 0) events |= PollEvents.Err;
            if (_released) events |= PollEvents.Hup;
            if (_pending.Count > 0 || _events.Count > 0) events |= PollEvents.In;
            return events;
        }
    }

    /// <summary>Releases the context (close): unregisters every range, wakes every blocked fault (they refault
    /// normally) and blocked reader, and completes posted asynchronous reads with EBADF. Idempotent.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_released) return;
            _released = true;
        }
        Mm.UnregisterAllUserfaults(this);
        lock (_lock)
        {
            foreach (var queue in new[] { _pending, _read })
            {
                while (queue.First is { } node)
                {
                    node.Value.Woken = true;
                    queue.Remove(node);
                }
            }
            while (_asyncReads.TryDequeue(out var read)) read.TrySetResult(new UserfaultReadResult(Errno.EBADF, default));
            CompleteAllEventsLocked();
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>EBADF after release, EINVAL before the API handshake.</summary>
    private Errno CheckReady()
    {
        if (_released) return Errno.EBADF;
        lock (_lock) return _apiDone ? Errno.OK : Errno.EINVAL;
    }

    /// <summary>validate_range: page-aligned start at or above mmap_min_addr, a positive page-multiple length,
    /// entirely below TASK_SIZE.</summary>
    private static bool ValidRange(ulong start, long length) =>
        (start & (Page.Size - 1)) == 0 && length > 0 && (length & (Page.Size - 1)) == 0 &&
        start >= AddressSpace.MmapMinAddr && start < AddressSpace.TaskSize && (ulong)length <= AddressSpace.TaskSize - start;
}
