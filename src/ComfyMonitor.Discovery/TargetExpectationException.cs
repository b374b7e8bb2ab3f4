namespace ComfyMonitor.Discovery;

/// <summary>A target whose comfymonitor_ setting label cannot be read: the message names the target and the label.</summary>
public sealed class TargetExpectationException(string message) : FormatException(message);
