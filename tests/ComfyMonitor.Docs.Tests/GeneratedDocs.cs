using System.Text.RegularExpressions;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Docs.Tests;

/// <summary>
/// The generated parts of the reference documents: written from the code's model by <see cref="Apply"/> (with
/// <c>UPDATE_DOCS=1</c>, as <see cref="Command"/> runs the tests), and compared with it by <see cref="Drift"/>, which
/// names every entry that was added, removed or changed in the code without the document.
/// </summary>
public static partial class GeneratedDocs
{
    /// <summary>What rewrites the generated parts of every document.</summary>
    public const string Command = "scripts/generate-docs.sh";

    /// <summary>Whether the tests rewrite the documents instead of checking them.</summary>
    public static bool UpdateRequested => Environment.GetEnvironmentVariable("UPDATE_DOCS") == "1";

    /// <summary><paramref name="text"/> with each region's part replaced by what the code says.</summary>
    /// <exception cref="InvalidOperationException">A region has no markers in the text: they are placed once, by hand.</exception>
    public static string Apply(string text, IEnumerable<DocRegion> regions)
    {
        foreach (var region in regions)
        {
            var part = Part(region.Name).Match(text);
            if (!part.Success)
            {
                throw new InvalidOperationException($"no {Start(region.Name)} ... {End(region.Name)} markers: place them where the part belongs");
            }

            text = text[..part.Groups["body"].Index] + region.Render() + text[(part.Groups["body"].Index + part.Groups["body"].Length)..];
        }

        return text;
    }

    /// <summary>How <paramref name="text"/> (the document <paramref name="document"/>) differs from what the code says: empty when it does not.</summary>
    public static List<string> Drift(IEnumerable<DocRegion> regions, string text, string document)
    {
        var problems = new List<string>();
        var parts = Marked().Matches(text).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["body"].Value, StringComparer.Ordinal);
        foreach (var region in regions)
        {
            if (!parts.Remove(region.Name, out var body))
            {
                problems.Add($"{document} has no generated part '{region.Name}' ({Start(region.Name)} ... {End(region.Name)})");
                continue;
            }

            var expected = region.Render();
            if (body == expected)
            {
                continue;
            }

            var found = Entries(body, region.Sections);
            var before = problems.Count;
            foreach (var entry in region.Entries)
            {
                if (!found.TryGetValue(entry.Key, out var written))
                {
                    problems.Add($"{entry.Key}: in the code, not in {document}");
                }
                else if (written != entry.Markdown.TrimEnd('\n'))
                {
                    var (code, doc) = FirstDifference(entry.Markdown.TrimEnd('\n'), written);
                    problems.Add($"{entry.Key}: the code says \"{code}\", {document} says \"{doc}\"");
                }
            }

            problems.AddRange(found.Keys.Except(region.Entries.Select(e => e.Key)).Select(key => $"{key}: in {document}, not in the code"));
            if (problems.Count == before)
            {
                problems.Add($"{document}, part '{region.Name}': its head or order differs from the code");
            }
        }

        problems.AddRange(parts.Keys.Select(name => $"{document} has a generated part '{name}' that the code does not make"));
        return problems;
    }

    /// <summary>
    /// Checks <paramref name="document"/> (relative to the repository) against <paramref name="regions"/>, or, when
    /// <see cref="UpdateRequested"/>, rewrites its generated parts.
    /// </summary>
    public static void Check(string document, IReadOnlyList<DocRegion> regions)
    {
        var path = Path.Combine(Repository.Root, document);
        var text = File.ReadAllText(path);
        if (UpdateRequested)
        {
            File.WriteAllText(path, Apply(text, regions));
            return;
        }

        var drift = Drift(regions, text, document);
        Assert.True(drift.Count == 0, $"{document} differs from the code (run {Command} after changing it):\n  " + string.Join("\n  ", drift));
    }

    /// <summary>Escapes what would end a table cell or break a row.</summary>
    public static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    /// <summary>The entries of a generated part as written, by key.</summary>
    private static Dictionary<string, string> Entries(string body, bool sections)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = body.TrimEnd('\n').Split('\n');
        string? key = null;
        var current = new List<string>();
        foreach (var line in lines.SkipWhile(l => !sections && !l.StartsWith("|-", StringComparison.Ordinal) && !l.StartsWith("|:", StringComparison.Ordinal)).Skip(sections ? 0 : 1))
        {
            var starts = sections ? line.StartsWith("### ", StringComparison.Ordinal) : line.StartsWith("| ", StringComparison.Ordinal);
            if (starts)
            {
                Flush();
                key = sections ? line[4..].Trim() : RowKey(line);
            }

            current.Add(line);
        }

        Flush();
        return entries;

        void Flush()
        {
            if (key is not null)
            {
                entries[key] = string.Join('\n', current).TrimEnd('\n');
            }

            key = null;
            current.Clear();
        }
    }

    /// <summary>The key of a table row: its first cell, without code marks or link.</summary>
    private static string RowKey(string row)
    {
        var cell = row.TrimStart('|').Split(" | ")[0].Trim().Trim('`');
        var link = LinkText().Match(cell);
        return (link.Success ? link.Groups[1].Value : cell).Trim('`');
    }

    private static (string Code, string Doc) FirstDifference(string code, string doc)
    {
        var a = code.Split('\n');
        var b = doc.Split('\n');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var x = i < a.Length ? a[i] : "";
            var y = i < b.Length ? b[i] : "";
            if (x != y)
            {
                return (x, y);
            }
        }

        return ("", "");
    }

    private static string Start(string name) => $"<!-- generated: {name} -->";

    private static string End(string name) => $"<!-- end generated: {name} -->";

    private static Regex Part(string name) => new($"{Regex.Escape(Start(name))}\n(?<body>.*?){Regex.Escape(End(name))}", RegexOptions.Singleline);

    [GeneratedRegex(@"<!-- generated: (?<name>[\w-]+) -->\n(?<body>.*?)<!-- end generated: \k<name> -->", RegexOptions.Singleline)]
    private static partial Regex Marked();

    [GeneratedRegex(@"^\[([^\]]+)\]\([^)]*\)$")]
    private static partial Regex LinkText();
}
