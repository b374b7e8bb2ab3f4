namespace ComfyMonitor.Simulator.Execution;

/// <summary>One input of a node class: a widget (INT, FLOAT, STRING, BOOLEAN, COMBO) or a link type.</summary>
public sealed record InputSpec(string Name, string Type, bool Required = true, long? Min = null, long? Max = null, long? Default = null, IReadOnlyList<string>? Options = null)
{
    public bool IsWidget => Type is "INT" or "FLOAT" or "STRING" or "BOOLEAN" or "COMBO";
}
