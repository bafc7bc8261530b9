namespace ClusterFs.XfsTests.Harness;

/// <summary>
/// One ported test. <see cref="Run"/> prints to <see cref="TestContext.Out"/>, which the harness
/// compares with the golden NNN.out; it reports a missing requirement with
/// <see cref="TestContext.NotRun"/>. An exception is a failure (its message goes to NNN.out.bad).
/// </summary>
public interface IXfsTest
{
    void Run(TestContext ctx);
}
