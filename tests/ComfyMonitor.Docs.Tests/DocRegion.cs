namespace ComfyMonitor.Docs.Tests;

/// <summary>
/// A generated part of a document, between <c>&lt;!-- generated: NAME --&gt;</c> and <c>&lt;!-- end generated: NAME --&gt;</c>:
/// a header (e.g. a table's head) and entries, each either a table row (<c>| `KEY` | ...</c>) or, when
/// <paramref name="Sections"/>, a section that starts with <c>### KEY</c>.
/// </summary>
public sealed record DocRegion(string Name, string Header, IReadOnlyList<DocEntry> Entries, bool Sections = false)
{
    /// <summary>The text between the markers.</summary>
    public string Render() =>
        (Header.Length > 0 ? Header.TrimEnd('\n') + "\n" : "") + string.Join(Sections ? "\n" : "", Entries.Select(e => e.Markdown.TrimEnd('\n') + "\n"));
}
