namespace ComfyMonitor.Simulator.Execution;

/// <summary>A node failed: becomes an execution_error with this exception type and message.</summary>
public sealed class NodeExecutionException(string exceptionType, string message) : Exception(message)
{
    public string ExceptionType { get; } = exceptionType;
}
