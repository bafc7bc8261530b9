namespace ClusterFs.Fuse;

/// <summary>The calling process of a request (<c>fuse_req_ctx</c>).</summary>
public readonly record struct FuseContext(uint Uid, uint Gid, int Pid, uint Umask);
