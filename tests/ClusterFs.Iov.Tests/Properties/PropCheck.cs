using FsCheck;

namespace ClusterFs.Iov.Tests.Properties;

/// <summary>Runs an FsCheck property with the project's settings: 500 cases, throwing on failure.</summary>
internal static class PropCheck
{
    public const int Cases = 500;

    private static readonly Config s_config = Config.QuickThrowOnFailure.WithMaxTest(Cases);

    public static void Run(Property property) => Check.One(s_config, property);
}
