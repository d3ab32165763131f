using Xunit.Abstractions;
using Xunit.Sdk;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>
/// Where a cluster test runs in the shared cluster's life. Each test stands on its own (it polls for what it needs),
/// the order only lets the long waits overlap: quick checks first, disruptions next, and assertions on the minute
/// aggregates the cluster has been writing all along last.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class StepAttribute(int order) : Attribute
{
    public int Order { get; } = order;
}

/// <summary>Runs test cases by their <see cref="StepAttribute"/>, then by name.</summary>
public sealed class StepOrderer : ITestCaseOrderer
{
    public const string TypeName = "Orleans.Monitor.IntegrationTests.Cluster.StepOrderer";
    public const string AssemblyName = "Orleans.Monitor.IntegrationTests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases
            .OrderBy(tc => tc.TestMethod.Method.GetCustomAttributes(typeof(StepAttribute).AssemblyQualifiedName)
                .Select(a => (int)a.GetConstructorArguments().First())
                .DefaultIfEmpty(int.MaxValue)
                .First())
            .ThenBy(tc => tc.TestMethod.Method.Name, StringComparer.Ordinal);
}
