namespace ComfyMonitor.Probe.Tests;

/// <summary>
/// The test classes that run a whole probe service, two of which keep the machine's cores busy on their own (a probe of
/// 150 instances; 1,000 canary runs under faults): one after the other, so that none starves another of the CPU its
/// deadlines assume. The classes that drive a canary runner directly run beside them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class HeavyCollection
{
    public const string Name = "heavy";
}
