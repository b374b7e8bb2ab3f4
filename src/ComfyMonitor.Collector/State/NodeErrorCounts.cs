namespace ComfyMonitor.Collector.State;

/// <summary>
/// Failed prompts by (node_type, exception_type), at most Collector:NodeErrorCap distinct pairs per instance; more pairs
/// are counted as (other, other), which exists at 0 from the start so that every instance has the series.
/// </summary>
public sealed class NodeErrorCounts(int cap)
{
    public const string Other = "other";

    private readonly Dictionary<(string, string), long> _counts = new() { [(Other, Other)] = 0 };

    public void Add(string nodeType, string exceptionType)
    {
        var pair = (nodeType, exceptionType);
        if (!_counts.ContainsKey(pair) && _counts.Count - 1 >= cap)
        {
            pair = (Other, Other);
        }

        _counts[pair] = _counts.GetValueOrDefault(pair) + 1;
    }

    public IReadOnlyDictionary<(string NodeType, string ExceptionType), long> Copy() => new Dictionary<(string, string), long>(_counts);
}
