namespace ComfyMonitor.Probe.Tests;

/// <summary>
/// The test classes that host a whole probe (<see cref="ProbeHost"/>). OpenTelemetry's MeterProvider listens to every
/// Meter of a name in the process, so two probes at once would export each other's instruments: these classes run one
/// after another, beside the classes that drive a <see cref="Running.CanaryRunner"/> directly and need no meter.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ProbeServiceCollection
{
    public const string Name = "probe service";
}
