using ClusterFs.Fs.LockManagers;
using ClusterFs.Iov;

namespace ClusterFs.Fs.Tests;

public class LockManagerFactoryTests
{
    [Fact]
    public void An_etcd_url_with_host_and_port_gives_an_etcd_lock_manager_without_contacting_it()
    {
        Assert.Equal(Errno.OK, LockManagerFactory.TryCreate("etcd://127.0.0.1:1", out var m, out string error));
        using (m)
        {
            Assert.Equal("lock_etcd", m!.Protocol);
            Assert.Equal("", error);
        }
        Assert.Equal(Errno.OK, LockManagerFactory.TryCreate("etcd://localhost:2379/?ttl=5", out var withTtl, out _));
        withTtl!.Dispose();
    }

    [Theory]
    [InlineData("")]
    [InlineData("dlm")]
    [InlineData("lock_dlm")]
    [InlineData("http://127.0.0.1:2379")]
    [InlineData("etcd://")]
    [InlineData("etcd://127.0.0.1")]
    [InlineData("etcd://127.0.0.1:notaport")]
    [InlineData("etcd://127.0.0.1:2379/some/path")]
    [InlineData("etcd://user@127.0.0.1:2379")]
    [InlineData("etcd://127.0.0.1:2379?ttl=1")]
    [InlineData("etcd://127.0.0.1:2379?color=blue")]
    public void Unknown_or_malformed_lock_manager_specifications_are_refused_with_einval_and_a_reason(string spec)
    {
        Assert.Equal(Errno.EINVAL, LockManagerFactory.TryCreate(spec, out var m, out string error));
        Assert.Null(m);
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("nolock")]
    [InlineData("lock_nolock")]
    public void Nolock_gives_a_single_node_manager_that_grants_at_once(string spec)
    {
        Assert.Equal(Errno.OK, LockManagerFactory.TryCreate(spec, out var m, out string error));
        using (m)
        {
            Assert.IsType<NoLockManager>(m);
            Assert.Equal("lock_nolock", m!.Protocol);
            Assert.Equal("", error);
        }
    }

    [Theory]
    [InlineData("nolock ", "unknown lock manager")]
    [InlineData("NOLOCK", "unknown lock manager")]
    [InlineData("nolock://x", "unknown lock manager")]
    [InlineData("etcd://127.0.0.1", "malformed etcd")]
    [InlineData("etcd://127.0.0.1:2379?ttl=1", "ttl=SECONDS")]
    public void The_refusal_message_names_the_specification_and_what_is_wrong(string spec, string reason)
    {
        Assert.Equal(Errno.EINVAL, LockManagerFactory.TryCreate(spec, out var m, out string error));
        Assert.Null(m);
        Assert.Contains(reason, error);
        Assert.Contains(spec.Trim(), error);
    }
}
