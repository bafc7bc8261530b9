namespace ClusterFs.Fs.Vfs.Aio;

/// <summary>
/// struct iocb for <see cref="AioContext.Submit(ReadOnlySpan{AioRequest})"/>: where and how to do the I/O
/// (<see cref="Position"/>, <see cref="Flags"/>) and the operation itself, a read_iter/write_iter analogue
/// that gets an asynchronous <see cref="Kiocb"/> and returns the result, or -EIOCBQUEUED when it will call
/// <see cref="Kiocb.Complete"/> later.
/// </summary>
public readonly record struct AioRequest(ulong UserData, long Position, KiocbFlags Flags, Func<Kiocb, long> Operation);
