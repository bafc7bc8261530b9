using System.Runtime.InteropServices;
using System.Text;
using ClusterFs.Fuse.Native;
using ClusterFs.Iov;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterFs.Fuse;

/// <summary>
/// One libfuse low-level session bound to a managed filesystem: the native operations table, the
/// GCHandle passed as userdata, the per-worker reply buffers, and the session pointer. Lifecycle:
/// <see cref="Create"/>, <see cref="Mount"/>, <see cref="RunLoop"/> (blocks), then after the loop
/// has returned <see cref="Unmount"/> and <see cref="Dispose"/>. Signal handling is the caller's.
/// <see cref="FuseMount"/> drives all of it for the common case.
/// </summary>
public sealed unsafe partial class FuseSession : IDisposable
{
    private readonly ManualResetEventSlim _initialized = new(false);
    private GCHandle _self;
    private FuseLowLevelOps* _ops;
    private nint _se;
    private int _disposed;
    private int _loopRunning;

    private FuseSession(IFuseFileSystem fs, FuseSessionOptions options, ILogger logger)
    {
        FileSystem = fs;
        Options = options;
        Logger = logger;
        Buffers = new ReplyBufferPool(options.ReplyBufferSize);
    }

    /// <summary>The filesystem requests are dispatched to.</summary>
    public IFuseFileSystem FileSystem { get; }

    /// <summary>The options the session was created with.</summary>
    public FuseSessionOptions Options { get; }

    /// <summary>The parameters negotiated at init; null until the kernel's INIT has been handled.</summary>
    public FuseConnection? Connection { get; internal set; }

    /// <summary>Worker reply buffers allocated so far (one per worker thread that replied with data).</summary>
    public int ReplyBuffersAllocated => Buffers.Allocated;

    internal ILogger Logger { get; }
    internal ReplyBufferPool Buffers { get; }

    /// <summary>
    /// Creates a session (fuse_session_new) with the options as <c>-o</c> arguments. Throws
    /// InvalidOperationException when libfuse rejects the options (it prints why on stderr).
    /// </summary>
    public static FuseSession Create(IFuseFileSystem fs, FuseSessionOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(fs);
        ArgumentNullException.ThrowIfNull(options);
        var s = new FuseSession(fs, options, logger ?? NullLogger.Instance);
        s._self = GCHandle.Alloc(s);
        s._ops = FuseDispatcher.CreateOps();
        IReadOnlyList<string> argv = options.BuildArgv();
        byte** cargv = AllocArgv(argv);
        try
        {
            FuseArgs args = new() { Argc = argv.Count, Argv = cargv, Allocated = 0 };
            s._se = LibFuse.fuse_session_new(&args, s._ops, (nuint)sizeof(FuseLowLevelOps), (void*)GCHandle.ToIntPtr(s._self));
        }
        finally
        {
            FreeArgv(cargv, argv.Count);
        }
        if (s._se == 0)
        {
            s.Dispose();
            throw new InvalidOperationException($"fuse_session_new rejected the arguments: {string.Join(' ', argv)}");
        }
        return s;
    }

    /// <summary>Mounts the session at <paramref name="mountPoint"/> (fuse_session_mount); returns OK or an errno-style failure.</summary>
    public Errno Mount(string mountPoint)
    {
        ThrowIfDisposed();
        byte[] path = Utf8Z(mountPoint);
        fixed (byte* p = path)
            return LibFuse.fuse_session_mount(_se, p) == 0 ? Errno.OK : Errno.EIO;
    }

    /// <summary>
    /// Runs libfuse's multi-threaded loop until the session exits (unmount, abort, or
    /// <see cref="Exit"/> followed by a request). Returns 0, -errno, or a signal number as libfuse does.
    /// </summary>
    public int RunLoop(FuseLoopOptions loop)
    {
        ThrowIfDisposed();
        nint cfg = LibFuse.fuse_loop_cfg_create();
        if (cfg == 0)
            return Errno.ENOMEM.Value;
        try
        {
            LibFuse.fuse_loop_cfg_set_clone_fd(cfg, loop.CloneFd ? 1u : 0u);
            LibFuse.fuse_loop_cfg_set_max_threads(cfg, (uint)Math.Max(1, loop.MaxThreads));
            if (loop.MaxIdleThreads is int idle)
                LibFuse.fuse_loop_cfg_set_idle_threads(cfg, (uint)Math.Max(0, idle));
            if (Interlocked.Exchange(ref _loopRunning, 1) != 0)
                throw new InvalidOperationException("the session loop is already running");
            try
            {
                return LibFuse.fuse_session_loop_mt_312(_se, cfg);
            }
            finally
            {
                Volatile.Write(ref _loopRunning, 0);
            }
        }
        finally
        {
            LibFuse.fuse_loop_cfg_destroy(cfg);
        }
    }

    /// <summary>Flags the session as exiting; workers stop after their current request.</summary>
    public void Exit()
    {
        if (_se != 0)
            LibFuse.fuse_session_exit(_se);
    }

    /// <summary>True once the kernel's INIT has been answered (the mount serves requests).</summary>
    public bool IsInitialized => _initialized.IsSet;

    /// <summary>Waits up to <paramref name="timeout"/> for INIT; returns false on timeout.</summary>
    public bool WaitForInit(TimeSpan timeout) => _initialized.Wait(timeout);

    internal void MarkInitialized() => _initialized.Set();

    /// <summary>
    /// Unmounts through libfuse (fuse_session_unmount: closes the device fd, then umount). Call it
    /// only after the loop has returned; while workers still read the fd use <see cref="FuseMount"/>.
    /// </summary>
    public void Unmount()
    {
        if (_se != 0)
            LibFuse.fuse_session_unmount(_se);
    }

    /// <summary>
    /// Destroys the session (calling the filesystem's Destroy if INIT happened) and frees native
    /// memory, after cancelling blocking lock waits and waiting up to 10 s for their replies.
    /// </summary>
    public void Dispose()
    {
        // Freeing the session under running workers would crash the process; refuse instead.
        if (Volatile.Read(ref _loopRunning) != 0)
            throw new InvalidOperationException("FuseSession disposed while its loop runs; unmount first (FuseMount does)");
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        // Lock waits reply from their own threads; they must be done before the session goes.
        if (!FuseDispatcher.DrainBlocking(this, TimeSpan.FromSeconds(10)))
        {
            Logger.LogError("FUSE lock waits did not end after cancellation; leaking the session rather than freeing it under them");
            return;
        }
        if (_se != 0)
        {
            LibFuse.fuse_session_destroy(_se);
            _se = 0;
        }
        if (_ops != null)
        {
            NativeMemory.Free(_ops);
            _ops = null;
        }
        if (_self.IsAllocated)
            _self.Free();
        Buffers.Dispose();
        _initialized.Dispose();
    }

    internal static FuseSession FromUserdata(void* userdata) => (FuseSession)GCHandle.FromIntPtr((nint)userdata).Target!;

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed != 0, this);

    private static byte[] Utf8Z(string s)
    {
        byte[] b = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, b);
        return b;
    }

    private static byte** AllocArgv(IReadOnlyList<string> argv)
    {
        byte** a = (byte**)NativeMemory.AllocZeroed((nuint)(argv.Count + 1), (nuint)sizeof(nint));
        for (int i = 0; i < argv.Count; i++)
        {
            byte[] s = Utf8Z(argv[i]);
            a[i] = (byte*)NativeMemory.Alloc((nuint)s.Length);
            s.CopyTo(new Span<byte>(a[i], s.Length));
        }
        return a;
    }

    private static void FreeArgv(byte** a, int count)
    {
        for (int i = 0; i < count; i++)
            NativeMemory.Free(a[i]);
        NativeMemory.Free(a);
    }
}
