using System.Net.Http.Headers;
using System.Text;

namespace ComfyMonitor.ComfyApi;

/// <summary>
/// Where one ComfyUI server is and how to talk to it. Credentials in the URL's user-info become a
/// Basic Authorization header and are removed from <see cref="BaseAddress"/>, so that they never
/// reach a log line, a label or an error message. <see cref="ToString"/> never shows headers.
/// </summary>
public sealed class ComfyEndpoint
{
    /// <param name="labels">Labels of the target from discovery or configuration (valid names, cleaned values), exported in comfyui_target_info.</param>
    public ComfyEndpoint(string name, Uri url, IReadOnlyDictionary<string, string>? headers = null, IReadOnlyDictionary<string, string>? labels = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("A ComfyUI URL must be an absolute http or https URL.", nameof(url));
        }

        Name = name;
        var merged = new Dictionary<string, string>(headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);
        if (!string.IsNullOrEmpty(url.UserInfo) && !merged.ContainsKey("Authorization"))
        {
            var credentials = Uri.UnescapeDataString(url.UserInfo);
            merged["Authorization"] = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials))).ToString();
        }

        var builder = new UriBuilder(url) { UserName = "", Password = "", Query = "", Fragment = "" };
        if (!builder.Path.EndsWith('/'))
        {
            builder.Path += "/";
        }

        BaseAddress = builder.Uri;
        Headers = merged;
        Labels = new SortedDictionary<string, string>(labels?.ToDictionary() ?? [], StringComparer.Ordinal);
    }

    /// <summary>The comfyui_instance label value.</summary>
    public string Name { get; }

    /// <summary>The URL without credentials, ending in '/'.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Extra request headers. Secrets: never log or export them.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The target's labels, by name (pool, region, hostname, ...): not secrets, exported as they are.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>host:port, the default instance name.</summary>
    public static string DefaultName(Uri url) => $"{url.Host}:{url.Port}";

    public override string ToString() => $"{Name} ({BaseAddress})";
}
