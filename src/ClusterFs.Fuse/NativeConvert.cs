using ClusterFs.Fuse.Native;

namespace ClusterFs.Fuse;

/// <summary>Conversions between the managed result structs and libfuse's C structs, in one place.</summary>
internal static unsafe class NativeConvert
{
    public static void ToNative(in FuseAttr a, ref NativeStat st)
    {
        st.Ino = a.Ino;
        st.Mode = a.Mode;
        st.Nlink = a.Nlink;
        st.Uid = a.Uid;
        st.Gid = a.Gid;
        st.Rdev = a.Rdev;
        st.Size = a.Size;
        st.Blocks = a.Blocks;
        st.BlkSize = a.BlockSize;
        st.AtimeSec = a.Atime.Seconds;
        st.AtimeNsec = a.Atime.Nanoseconds;
        st.MtimeSec = a.Mtime.Seconds;
        st.MtimeNsec = a.Mtime.Nanoseconds;
        st.CtimeSec = a.Ctime.Seconds;
        st.CtimeNsec = a.Ctime.Nanoseconds;
    }

    public static void ToNative(in FuseEntry e, ref FuseEntryParam p)
    {
        p.Ino = e.Ino;
        p.Generation = e.Generation;
        ToNative(e.Attr, ref p.Attr);
        p.AttrTimeout = e.AttrTimeout;
        p.EntryTimeout = e.EntryTimeout;
    }

    public static FuseFile ToFile(FuseFileInfo* fi)
    {
        if (fi == null)
            return default;
        uint b = fi->Bits;
        return new FuseFile(fi->Fh, fi->Flags, fi->LockOwner,
            (b & FuseFileInfo.WritePageBit) != 0, (b & FuseFileInfo.FlushBit) != 0, (b & FuseFileInfo.FlockReleaseBit) != 0);
    }

    /// <summary>Writes an open reply into the request's fuse_file_info: fh and the FOPEN_* bits libfuse 3.14 maps.</summary>
    public static void ToNative(in FuseOpenReply r, FuseFileInfo* fi)
    {
        fi->Fh = r.Handle;
        uint b = fi->Bits & ~(FuseFileInfo.DirectIoBit | FuseFileInfo.KeepCacheBit | FuseFileInfo.NonSeekableBit
            | FuseFileInfo.CacheReaddirBit | FuseFileInfo.NoFlushBit);
        if ((r.Flags & FuseOpenFlags.DirectIo) != 0) b |= FuseFileInfo.DirectIoBit;
        if ((r.Flags & FuseOpenFlags.KeepCache) != 0) b |= FuseFileInfo.KeepCacheBit;
        if ((r.Flags & FuseOpenFlags.NonSeekable) != 0) b |= FuseFileInfo.NonSeekableBit;
        if ((r.Flags & FuseOpenFlags.CacheReaddir) != 0) b |= FuseFileInfo.CacheReaddirBit;
        if ((r.Flags & FuseOpenFlags.NoFlush) != 0) b |= FuseFileInfo.NoFlushBit;
        fi->Bits = b;
    }

    public static void ToNative(in FuseStatFs s, ref NativeStatVfs v)
    {
        v.BSize = s.BlockSize;
        v.FrSize = s.FragmentSize;
        v.Blocks = s.Blocks;
        v.BFree = s.BlocksFree;
        v.BAvail = s.BlocksAvailable;
        v.Files = s.Files;
        v.FFree = s.FilesFree;
        v.FAvail = s.FilesAvailable;
        v.FsId = s.FsId;
        v.NameMax = s.NameMax;
    }

    public static FuseLock ToLock(NativeFlock* f) => new()
    {
        Type = f->Type,
        Start = f->Start,
        Length = f->Len,
        Pid = f->Pid,
    };

    public static void ToNative(in FuseLock l, NativeFlock* f)
    {
        f->Type = l.Type;
        f->Whence = 0; // SEEK_SET: libfuse and the kernel carry absolute ranges.
        f->Start = l.Start;
        f->Len = l.Length;
        f->Pid = l.Pid;
    }

    public static FuseSetAttr ToSetAttr(NativeStat* st, int toSet)
    {
        var valid = (FuseSetAttrMask)toSet;
        FuseTime now = (valid & (FuseSetAttrMask.AtimeNow | FuseSetAttrMask.MtimeNow)) != 0 ? FuseTime.Now : default;
        FuseTime atime = new(st->AtimeSec, st->AtimeNsec);
        FuseTime mtime = new(st->MtimeSec, st->MtimeNsec);
        if ((valid & FuseSetAttrMask.AtimeNow) != 0)
        {
            atime = now;
            valid |= FuseSetAttrMask.Atime;
        }
        if ((valid & FuseSetAttrMask.MtimeNow) != 0)
        {
            mtime = now;
            valid |= FuseSetAttrMask.Mtime;
        }
        return new FuseSetAttr(valid, st->Mode, st->Uid, st->Gid, st->Size, atime, mtime, new FuseTime(st->CtimeSec, st->CtimeNsec));
    }
}
