namespace ComfyMonitor.Simulator.Execution;

/// <summary>A node class the simulator knows. Model nodes run for a simulated time; image nodes run for real.</summary>
public sealed record NodeSpec(
    string ClassType,
    IReadOnlyList<InputSpec> Inputs,
    IReadOnlyList<string> Outputs,
    bool IsOutput = false,
    bool IsModelNode = false,
    string PythonModule = "nodes",
    string Category = "image",
    long VramBytes = 0);
