using ClusterFs.Fuse.Native;

namespace ClusterFs.Fuse.Tests;

/// <summary>
/// The C structs match libfuse 3.14's headers on x86_64. The expected numbers were printed by a
/// C program compiled against /usr/include/fuse3 (sizeof/offsetof), not derived from this code.
/// </summary>
public sealed unsafe class NativeLayoutTests
{
    [Fact]
    public void Lowlevel_ops_table_has_44_pointers_in_header_order()
    {
        FuseLowLevelOps o = default;
        byte* b = (byte*)&o;
        Assert.Equal(352, sizeof(FuseLowLevelOps));
        Assert.Equal(304, (byte*)&o.ForgetMulti - b);
        Assert.Equal(344, (byte*)&o.Lseek - b);
    }

    [Fact]
    public void File_info_is_40_bytes_with_fh_at_16_and_gcc_bitfield_order()
    {
        FuseFileInfo fi = default;
        byte* b = (byte*)&fi;
        Assert.Equal(40, sizeof(FuseFileInfo));
        Assert.Equal(16, (byte*)&fi.Fh - b);
        Assert.Equal(24, (byte*)&fi.LockOwner - b);
        Assert.Equal(32, (byte*)&fi.PollEvents - b);
        // direct_io=1, noflush=1 set through C gave the word 0x82.
        NativeConvert.ToNative(new FuseOpenReply { Handle = 9, Flags = FuseOpenFlags.DirectIo | FuseOpenFlags.NoFlush }, &fi);
        Assert.Equal(0x82u, fi.Bits);
        Assert.Equal(9UL, fi.Fh);
    }

    [Fact]
    public void Stat_statvfs_flock_entry_conn_and_bufvec_have_the_c_sizes_and_offsets()
    {
        NativeStat st = default;
        byte* s = (byte*)&st;
        Assert.Equal(144, sizeof(NativeStat));
        Assert.Equal((16, 24, 28, 40, 48, 56, 64, 72, 88, 104),
            ((int)((byte*)&st.Nlink - s), (int)((byte*)&st.Mode - s), (int)((byte*)&st.Uid - s), (int)((byte*)&st.Rdev - s),
             (int)((byte*)&st.Size - s), (int)((byte*)&st.BlkSize - s), (int)((byte*)&st.Blocks - s),
             (int)((byte*)&st.AtimeSec - s), (int)((byte*)&st.MtimeSec - s), (int)((byte*)&st.CtimeSec - s)));

        NativeStatVfs v = default;
        Assert.Equal(112, sizeof(NativeStatVfs));
        Assert.Equal(64, (byte*)&v.FsId - (byte*)&v);
        Assert.Equal(80, (byte*)&v.NameMax - (byte*)&v);

        NativeFlock f = default;
        Assert.Equal(32, sizeof(NativeFlock));
        Assert.Equal((8, 16, 24), ((int)((byte*)&f.Start - (byte*)&f), (int)((byte*)&f.Len - (byte*)&f), (int)((byte*)&f.Pid - (byte*)&f)));

        FuseEntryParam e = default;
        Assert.Equal(176, sizeof(FuseEntryParam));
        Assert.Equal((16, 160, 168), ((int)((byte*)&e.Attr - (byte*)&e), (int)((byte*)&e.AttrTimeout - (byte*)&e), (int)((byte*)&e.EntryTimeout - (byte*)&e)));

        FuseConnInfo c = default;
        Assert.Equal(128, sizeof(FuseConnInfo));
        Assert.Equal((24, 36), ((int)((byte*)&c.Want - (byte*)&c), (int)((byte*)&c.TimeGran - (byte*)&c)));

        FuseBufVec bv = default;
        Assert.Equal(64, sizeof(FuseBufVec));
        Assert.Equal((40, 48, 56), ((int)((byte*)&bv.BufMem - (byte*)&bv), (int)((byte*)&bv.BufFd - (byte*)&bv), (int)((byte*)&bv.BufPos - (byte*)&bv)));

        Assert.Equal(24, sizeof(FuseArgs));
        Assert.Equal(16, sizeof(FuseCtx));
        Assert.Equal(16, sizeof(FuseForgetData));
    }

    [Fact]
    public void Setattr_now_flags_fill_in_the_current_time_and_mark_the_time_valid()
    {
        NativeStat st = default;
        st.AtimeSec = 5;
        FuseSetAttr a = NativeConvert.ToSetAttr(&st, (int)(FuseSetAttrMask.Atime | FuseSetAttrMask.MtimeNow));
        Assert.True(a.Has(FuseSetAttrMask.Mtime));
        Assert.Equal(5, a.Atime.Seconds);
        Assert.True(a.Mtime.Seconds > 1_700_000_000);
    }
}
