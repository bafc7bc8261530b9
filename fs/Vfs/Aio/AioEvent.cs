namespace ClusterFs.Fs.Vfs.Aio;

/// <summary>struct io_event: the completion of one submitted request, tagged with the submitter's
/// <see cref="UserData"/>. <see cref="Result"/> is the byte count (done_before included) or -errno.</summary>
public readonly record struct AioEvent(ulong UserData, long Result);
