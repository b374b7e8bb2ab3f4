using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ComfyMonitor.Hosting.Web;

/// <summary>
/// The Prometheus exporter-toolkit web configuration file (<c>--web.config.file</c>): TLS, basic authentication with
/// bcrypt hashes, and response headers. https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md
/// </summary>
public sealed partial record WebConfig(TlsServerConfig? Tls, IReadOnlyDictionary<string, string> Users, IReadOnlyDictionary<string, string> Headers, bool Http2)
{
    public static readonly WebConfig None = new(null, new Dictionary<string, string>(), new Dictionary<string, string>(), Http2: true);

    private static readonly string[] RootKeys = ["tls_server_config", "http_server_config", "basic_auth_users"];
    private static readonly string[] HttpKeys = ["http2", "headers"];

    // The headers exporter-toolkit lets a web configuration set, and the values it accepts for two of them.
    private static readonly Dictionary<string, string[]?> AllowedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Strict-Transport-Security"] = null,
        ["X-Content-Type-Options"] = ["nosniff"],
        ["X-Frame-Options"] = ["deny", "sameorigin"],
        ["X-XSS-Protection"] = null,
        ["Content-Security-Policy"] = null,
    };

    [GeneratedRegex(@"^\$2[abxy]?\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$")]
    private static partial Regex BcryptHash();

    /// <summary>Reads and checks the file; every problem is reported, each with its key.</summary>
    /// <exception cref="WebConfigException">The file cannot be read, is not valid YAML, or holds invalid settings.</exception>
    public static WebConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new WebConfigException(path, [$"cannot be read: {ex.Message}"]);
        }

        return Parse(text, Path.GetDirectoryName(Path.GetFullPath(path))!, path);
    }

    /// <summary>Parses <paramref name="text"/>; relative paths are taken from <paramref name="directory"/>.</summary>
    public static WebConfig Parse(string text, string directory, string path = "web configuration")
    {
        var problems = new List<string>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new WebConfigException(path, [$"not valid YAML (line {ex.Start.Line}, column {ex.Start.Column}): {ex.InnerException?.Message ?? ex.Message}"]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return None;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new WebConfigException(path, ["the file must hold a mapping of tls_server_config, http_server_config and basic_auth_users"]);
        }

        var fields = WebConfigYaml.Fields(root, "", RootKeys, problems);
        var tls = fields.TryGetValue("tls_server_config", out var t) ? TlsSection.Parse(t, directory, problems) : null;
        var (http2, headers) = fields.TryGetValue("http_server_config", out var h) ? ParseHttp(h, problems) : (true, new Dictionary<string, string>());
        var users = fields.TryGetValue("basic_auth_users", out var u) ? ParseUsers(u, problems) : new Dictionary<string, string>();
        if (problems.Count > 0)
        {
            throw new WebConfigException(path, problems);
        }

        return new WebConfig(tls, users, headers, http2);
    }

    private static (bool Http2, Dictionary<string, string> Headers) ParseHttp(YamlNode node, List<string> problems)
    {
        const string p = "http_server_config.";
        var f = WebConfigYaml.Fields(node, p, HttpKeys, problems);
        var http2 = WebConfigYaml.Bool(f, "http2", p, problems) ?? true;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (f.TryGetValue("headers", out var h) && !WebConfigYaml.IsNull(h))
        {
            if (h is not YamlMappingNode map)
            {
                problems.Add($"{p}headers: expected a mapping of header names to values");
            }
            else
            {
                foreach (var (k, v) in map.Children)
                {
                    var name = (k as YamlScalarNode)?.Value ?? "";
                    var value = (v as YamlScalarNode)?.Value ?? "";
                    if (!AllowedHeaders.TryGetValue(name, out var values))
                    {
                        problems.Add($"{p}headers.{name}: not a header a web configuration may set (one of {string.Join(", ", AllowedHeaders.Keys)})");
                    }
                    else if (values is not null && !values.Contains(value, StringComparer.OrdinalIgnoreCase))
                    {
                        problems.Add($"{p}headers.{name}: '{value}' is not one of {string.Join(", ", values)}");
                    }
                    else
                    {
                        headers[name] = value;
                    }
                }
            }
        }

        return (http2, headers);
    }

    private static Dictionary<string, string> ParseUsers(YamlNode node, List<string> problems)
    {
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        if (WebConfigYaml.IsNull(node))
        {
            return users;
        }

        if (node is not YamlMappingNode map)
        {
            problems.Add("basic_auth_users: expected a mapping of user names to bcrypt hashes");
            return users;
        }

        foreach (var (k, v) in map.Children)
        {
            var user = (k as YamlScalarNode)?.Value ?? "";
            var hash = (v as YamlScalarNode)?.Value ?? "";
            if (user.Length == 0 || user.Contains(':'))
            {
                problems.Add($"basic_auth_users: '{user}' is not a valid user name (empty, or holds ':')");
            }
            else if (!BcryptHash().IsMatch(hash))
            {
                // Never echo the value: it may be a password written in by mistake.
                problems.Add($"basic_auth_users.{user}: not a bcrypt hash (expected $2y$10$... as htpasswd -nBC 10 or an equivalent writes it)");
            }
            else
            {
                users[user] = hash;
            }
        }

        return users;
    }
}
