using System.Buffers.Binary;
using System.Text;
using ClusterFs.XfsTests.Native;

namespace ClusterFs.XfsTests.Common;

/// <summary>Reads directory entries with getdents64 on a descriptor (so its position is shared).</summary>
public static class DirEntries
{
    /// <summary>
    /// Reads entries from <paramref name="fd"/>'s current position to the end and adds their names to
    /// <paramref name="names"/>; returns 0 or the -errno of the failing getdents64.
    /// </summary>
    public static long ReadToEnd(int fd, List<string> names)
    {
        var buf = new byte[8192];
        while (true)
        {
            long n = Posix.Getdents64(fd, buf);
            if (n <= 0) return n;
            // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[].
            for (int pos = 0; pos < n;)
            {
                int reclen = BinaryPrimitives.ReadUInt16LittleEndian(buf.AsSpan(pos + 16));
                var name = buf.AsSpan(pos + 19, reclen - 19);
                int nul = name.IndexOf((byte)0);
                names.Add(Encoding.UTF8.GetString(nul < 0 ? name : name[..nul]));
                pos += reclen;
            }
        }
    }
}
