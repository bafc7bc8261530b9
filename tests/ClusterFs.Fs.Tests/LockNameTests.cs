using ClusterFs.Fs.LockManagers;

namespace ClusterFs.Fs.Tests;

public class LockNameTests
{
    [Fact]
    public void Lock_names_with_equal_type_and_number_are_equal_and_print_as_type_slash_hex()
    {
        Assert.Equal(new LockName(2, 0x1234), new LockName(2, 0x1234));
        Assert.NotEqual(new LockName(2, 0x1234), new LockName(3, 0x1234));
        Assert.Equal("2/1234", new LockName(2, 0x1234).ToString());
    }
}
