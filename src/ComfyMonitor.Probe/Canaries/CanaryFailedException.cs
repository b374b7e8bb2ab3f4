namespace ComfyMonitor.Probe.Canaries;

/// <summary>Ends a canary run with a reason from <see cref="FailureReasons"/> and a detail for people.</summary>
public sealed class CanaryFailedException(string reason, string detail, string? nodeType = null, string? exceptionType = null) : Exception(detail)
{
    public string Reason { get; } = reason;

    public string? NodeType { get; } = nodeType;

    public string? ExceptionType { get; } = exceptionType;
}
