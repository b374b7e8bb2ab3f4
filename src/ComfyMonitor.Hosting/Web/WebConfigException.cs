namespace ComfyMonitor.Hosting.Web;

/// <summary>The web configuration file is invalid; <see cref="Problems"/> lists every problem with its key.</summary>
public sealed class WebConfigException(string path, IReadOnlyList<string> problems)
    : Exception($"web configuration {path}: {string.Join("; ", problems)}")
{
    public string Path { get; } = path;

    public IReadOnlyList<string> Problems { get; } = problems;
}
