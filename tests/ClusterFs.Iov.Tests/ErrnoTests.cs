using ClusterFs.Iov;

namespace ClusterFs.Iov.Tests;

public class ErrnoTests
{
    [Fact]
    public void FromResult_reads_negative_counts_as_errno_and_counts_as_ok()
    {
        Assert.Equal(Errno.EFAULT, Errno.FromResult(-14));
        Assert.Equal(Errno.OK, Errno.FromResult(4096));
        Assert.Equal(-22, Errno.EINVAL.Negative);
    }

    [Fact]
    public void ToString_names_known_errnos_and_numbers_unknown_ones()
    {
        Assert.Equal("EFAULT", Errno.EFAULT.ToString());
        Assert.Equal("errno 4242", new Errno(4242).ToString());
    }
}
