namespace ComfyMonitor.Docs.Tests;

/// <summary>One entry of a generated part of a document: a table row or a section, found again by its key.</summary>
public sealed record DocEntry(string Key, string Markdown);
