namespace ComfyMonitor.Probe.Tests;

/// <summary>
/// The two test classes that keep the machine's cores busy on their own (a probe of 150 instances; 1,000 canary runs
/// under faults): one after the other, so that neither starves the other of the CPU its deadlines assume. Every other
/// class runs beside them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class HeavyCollection
{
    public const string Name = "heavy";
}
