using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ComfyMonitor.Collector.State;

/// <summary>
/// Makes a ComfyUI exception message fit to show on a page, an API and a log: credentials in URLs and their query strings,
/// anything that looks like a secret (key=value pairs of secret-sounding keys, bearer and basic credentials, the token
/// shapes of Hugging Face, OpenAI, GitHub, Slack, AWS, Google, JWTs, and long random-looking strings) and paths under a
/// user's home (/home/NAME, /Users/NAME, /root, C:\Users\NAME: kept as ~/…/FILE) are replaced, white space is folded
/// and the result is cut to a bound. Replacing comes before cutting, so that a cut never leaves half a secret that no
/// longer matches.
/// </summary>
public static partial class MessageScrubber
{
    public const string Redacted = "<redacted>";

    /// <summary>The message, scrubbed and cut to <paramref name="maxLength"/> characters (an ellipsis marks a cut); null stays null.</summary>
    public static string? Scrub(string? message, int maxLength)
    {
        if (message is null)
        {
            return null;
        }

        // Long inputs are cut before the expressions run (with room for what the replacements shorten).
        var text = message.Length > maxLength * 8 ? message[..(maxLength * 8)] : message;
        text = UrlCredentials().Replace(text, "$1***@");
        text = UrlQuery().Replace(text, "$1?" + Redacted);
        text = HomePath().Replace(text, m => Home(m.Groups["rest"].Value, '/'));
        text = WindowsHomePath().Replace(text, m => Home(m.Groups["rest"].Value, '\\'));
        text = KeyedSecret().Replace(text, m => m.Groups["key"].Value + m.Groups["sep"].Value + Redacted);
        text = SchemeCredential().Replace(text, "$1 " + Redacted);
        text = KnownToken().Replace(text, Redacted);
        text = RandomLooking().Replace(text, m => m.Value.Any(char.IsDigit) && m.Value.Any(char.IsLetter) ? Redacted : m.Value);
        text = WhiteSpace().Replace(text, " ").Trim();
        return Cut(text, maxLength);
    }

    /// <summary>"~" and the file name: the user's name and the folders between never show.</summary>
    private static string Home(string rest, char separator)
    {
        var parts = rest.Split(separator, StringSplitOptions.RemoveEmptyEntries);
        return parts.Length switch
        {
            0 => "~",
            1 => $"~{separator}{parts[0]}",
            _ => $"~{separator}…{separator}{parts[^1]}",
        };
    }

    private static string Cut(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return text;
        }

        // Whole text elements only: a cut never splits a surrogate pair or a combining sequence.
        var builder = new StringBuilder(maxLength);
        var elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext() && builder.Length + elements.GetTextElement().Length < maxLength)
        {
            builder.Append(elements.GetTextElement());
        }

        return builder.Append('…').ToString();
    }

    [GeneratedRegex(@"\b([a-zA-Z][a-zA-Z0-9+.\-]*://)[^\s/@]+@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlCredentials();

    [GeneratedRegex(@"\b([a-zA-Z][a-zA-Z0-9+.\-]*://[^\s?#""'<>]+)\?[^\s""'<>]*", RegexOptions.CultureInvariant)]
    private static partial Regex UrlQuery();

    [GeneratedRegex(@"(?:/home/[^/\s""':]+|/Users/[^/\s""':]+|/root(?=[/\s""':]|$))(?<rest>(?:/[^/\s""':]+)*)/?", RegexOptions.CultureInvariant)]
    private static partial Regex HomePath();

    [GeneratedRegex(@"\b[A-Za-z]:\\Users\\[^\\\s""':]+(?<rest>(?:\\[^\\\s""':]+)*)\\?", RegexOptions.CultureInvariant)]
    private static partial Regex WindowsHomePath();

    [GeneratedRegex(@"(?<key>\b[A-Za-z0-9_\-]*(?:api[_\-]?key|apikey|token|secret|passw(?:or)?d|pwd|credentials?|auth|authorization|signature|session[_\-]?id|cookie)\b)(?<sep>[""']?\s*[:=]\s*[""']?)(?:(?:Bearer|Basic)\s+)?[^\s""',;&)}\]]+",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex KeyedSecret();

    [GeneratedRegex(@"\b(Bearer|Basic)\s+[A-Za-z0-9_\-+/.=~]{8,}", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SchemeCredential();

    [GeneratedRegex(@"\b(?:hf_[A-Za-z0-9]{16,}|sk-[A-Za-z0-9_\-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9\-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_\-]{30,}|eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})",
        RegexOptions.CultureInvariant)]
    private static partial Regex KnownToken();

    [GeneratedRegex(@"[A-Za-z0-9_\-+]{32,}={0,2}", RegexOptions.CultureInvariant)]
    private static partial Regex RandomLooking();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex WhiteSpace();
}
