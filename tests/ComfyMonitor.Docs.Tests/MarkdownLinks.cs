using System.Globalization;
using System.Text.RegularExpressions;

namespace ComfyMonitor.Docs.Tests;

/// <summary>
/// The relative links of Markdown documents, checked as GitHub renders them: a path must name a file or folder of the
/// repository, and an <c>#anchor</c> a heading of the document it points into (GitHub's slugs: lower case, punctuation
/// dropped, spaces as hyphens, a repeated heading numbered -1, -2, ...). Links in code are not links.
/// </summary>
public static partial class MarkdownLinks
{
    /// <summary>GitHub's anchor of a heading's text.</summary>
    public static string Slug(string heading)
    {
        var text = LinkOrImage().Replace(heading, "$1");
        text = Tag().Replace(text, "").ToLowerInvariant();
        var kept = text.Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_'
            || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.ConnectorPunctuation);
        return string.Concat(kept).Replace(' ', '-');
    }

    /// <summary>The anchors of every heading of <paramref name="markdown"/>.</summary>
    public static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in Prose(markdown))
        {
            var heading = Heading().Match(line);
            if (!heading.Success)
            {
                continue;
            }

            var slug = Slug(heading.Groups[1].Value.Trim());
            var n = seen.GetValueOrDefault(slug);
            seen[slug] = n + 1;
            anchors.Add(n == 0 ? slug : $"{slug}-{n}");
        }

        return anchors;
    }

    /// <summary>
    /// Every relative link of <paramref name="document"/> (a path under <paramref name="root"/>, with its text
    /// <paramref name="markdown"/>) that leads nowhere: a missing file or folder, or a missing heading.
    /// </summary>
    public static List<string> Broken(string root, string document, string markdown)
    {
        var problems = new List<string>();
        foreach (var line in Prose(markdown))
        {
            foreach (Match link in Link().Matches(CodeSpan().Replace(line, "")))
            {
                var target = link.Groups["target"].Value;
                if (Scheme().IsMatch(target) || target.StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }

                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var path = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]).Split('?')[0];
                var anchor = hash < 0 ? null : target[(hash + 1)..];
                var file = path.Length == 0 ? Path.Combine(root, document)
                    : Path.GetFullPath(path.StartsWith('/') ? Path.Combine(root, path.TrimStart('/')) : Path.Combine(root, Path.GetDirectoryName(document) ?? "", path));
                if (!File.Exists(file) && !Directory.Exists(file))
                {
                    problems.Add($"{document}: {target}: no such file");
                }
                else if (anchor is not null && !(File.Exists(file) && file.EndsWith(".md", StringComparison.Ordinal) && Anchors(File.ReadAllText(file)).Contains(anchor)))
                {
                    problems.Add($"{document}: {target}: no heading #{anchor} there");
                }
            }
        }

        return problems;
    }

    /// <summary>The lines of <paramref name="markdown"/> outside fenced code blocks.</summary>
    private static IEnumerable<string> Prose(string markdown)
    {
        var fenced = false;
        foreach (var line in markdown.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }

            if (!fenced)
            {
                yield return line;
            }
        }
    }

    /// <summary>A URL with a scheme (https:, mailto:): not a path of the repository.</summary>
    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^#{1,6}\s+(.*?)\s*#*\s*$")]
    private static partial Regex Heading();

    /// <summary>An inline link or image, <c>[text](target "title")</c>, or a reference definition, <c>[text]: target</c>.</summary>
    [GeneratedRegex(@"!?\[[^\]]*\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)|^\s*\[[^\]]+\]:\s+(?<target>\S+)")]
    private static partial Regex Link();

    [GeneratedRegex(@"!?\[([^\]]*)\]\([^)]*\)")]
    private static partial Regex LinkOrImage();

    [GeneratedRegex(@"<[^>]+>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"`[^`]*`")]
    private static partial Regex CodeSpan();
}
