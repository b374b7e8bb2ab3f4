namespace ComfyMonitor.Docs.Tests;

/// <summary>One configuration key as docs/configuration.md lists it, in the part of the document it belongs to.</summary>
public sealed record ConfigKey(string Part, string Key, string Type, string Default, string Meaning)
{
    /// <summary>Its row of the part's table.</summary>
    public DocEntry Entry => new(Key, $"| `{Key}` | {Type} | {GeneratedDocs.Cell(Default)} | {GeneratedDocs.Cell(Meaning)} |");
}
