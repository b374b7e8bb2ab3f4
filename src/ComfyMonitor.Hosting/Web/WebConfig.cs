using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ComfyMonitor.Hosting.Web;

/// <summary>How a client certificate is asked for and checked: the values (and meaning) of Go's tls.ClientAuthType.</summary>
public enum ClientAuthType
{
    NoClientCert,
    RequestClientCert,
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

/// <summary><c>tls_server_config</c> of the web configuration file; paths are absolute (resolved against the file's folder).</summary>
public sealed record TlsServerConfig(
    string CertFile,
    string KeyFile,
    ClientAuthType ClientAuth,
    string? ClientCaFile,
    SslProtocols Protocols,
    IReadOnlyList<TlsCipherSuite> CipherSuites,
    IReadOnlyList<string> ClientAllowedSans);

/// <summary>
/// The Prometheus exporter-toolkit web configuration file (<c>--web.config.file</c>): TLS, basic authentication with
/// bcrypt hashes, and response headers. https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md
/// </summary>
public sealed partial record WebConfig(TlsServerConfig? Tls, IReadOnlyDictionary<string, string> Users, IReadOnlyDictionary<string, string> Headers, bool Http2)
{
    public static readonly WebConfig None = new(null, new Dictionary<string, string>(), new Dictionary<string, string>(), Http2: true);

    private static readonly string[] RootKeys = ["tls_server_config", "http_server_config", "basic_auth_users"];
    private static readonly string[] TlsKeys =
    [
        "cert_file", "key_file", "client_auth_type", "client_ca_file", "cipher_suites", "curve_preferences", "min_version", "max_version",
        "prefer_server_cipher_suites", "client_allowed_sans",
    ];
    private static readonly string[] HttpKeys = ["http2", "headers"];
    private static readonly string[] Curves = ["CurveP256", "CurveP384", "CurveP521", "X25519"];

#pragma warning disable SYSLIB0039 // TLS 1.0 and 1.1 are obsolete, but the format allows them and the user chose them
    private static readonly Dictionary<string, SslProtocols> Versions = new()
    {
        ["TLS10"] = SslProtocols.Tls,
        ["TLS11"] = SslProtocols.Tls11,
        ["TLS12"] = SslProtocols.Tls12,
        ["TLS13"] = SslProtocols.Tls13,
    };
#pragma warning restore SYSLIB0039

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

        var fields = Fields(root, "", RootKeys, problems);
        var tls = fields.TryGetValue("tls_server_config", out var t) ? ParseTls(t, directory, problems) : null;
        var (http2, headers) = fields.TryGetValue("http_server_config", out var h) ? ParseHttp(h, problems) : (true, new Dictionary<string, string>());
        var users = fields.TryGetValue("basic_auth_users", out var u) ? ParseUsers(u, problems) : new Dictionary<string, string>();
        if (problems.Count > 0)
        {
            throw new WebConfigException(path, problems);
        }

        return new WebConfig(tls, users, headers, http2);
    }

    private static Dictionary<string, YamlNode> Fields(YamlNode node, string prefix, string[] allowed, List<string> problems)
    {
        var fields = new Dictionary<string, YamlNode>();
        if (IsNull(node))
        {
            return fields;
        }

        if (node is not YamlMappingNode map)
        {
            problems.Add($"{prefix.TrimEnd('.')}: expected a mapping");
            return fields;
        }

        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (!allowed.Contains(key))
            {
                problems.Add($"{prefix}{key}: unknown key (expected one of {string.Join(", ", allowed)})");
                continue;
            }

            fields[key] = v;
        }

        return fields;
    }

    private static bool IsNull(YamlNode node) => node is YamlScalarNode { Value: null or "" or "~" or "null" } s && s.Style == ScalarStyle.Plain;

    private static string? Scalar(Dictionary<string, YamlNode> fields, string key, string prefix, List<string> problems)
    {
        if (!fields.TryGetValue(key, out var node) || IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode s)
        {
            return s.Value;
        }

        problems.Add($"{prefix}{key}: expected a string");
        return null;
    }

    private static List<string> List(Dictionary<string, YamlNode> fields, string key, string prefix, List<string> problems)
    {
        if (!fields.TryGetValue(key, out var node) || IsNull(node))
        {
            return [];
        }

        if (node is YamlSequenceNode seq && seq.Children.All(c => c is YamlScalarNode))
        {
            return seq.Children.Select(c => ((YamlScalarNode)c).Value ?? "").ToList();
        }

        problems.Add($"{prefix}{key}: expected a list of strings");
        return [];
    }

    private static bool? Bool(Dictionary<string, YamlNode> fields, string key, string prefix, List<string> problems)
    {
        var value = Scalar(fields, key, prefix, problems);
        if (value is null)
        {
            return null;
        }

        if (bool.TryParse(value, out var b))
        {
            return b;
        }

        problems.Add($"{prefix}{key}: '{value}' is not true or false");
        return null;
    }

    private static TlsServerConfig? ParseTls(YamlNode node, string directory, List<string> problems)
    {
        const string p = "tls_server_config.";
        var f = Fields(node, p, TlsKeys, problems);
        var cert = Scalar(f, "cert_file", p, problems);
        var key = Scalar(f, "key_file", p, problems);
        var authText = Scalar(f, "client_auth_type", p, problems);
        var ca = Scalar(f, "client_ca_file", p, problems);
        var suites = List(f, "cipher_suites", p, problems);
        var curves = List(f, "curve_preferences", p, problems);
        var sans = List(f, "client_allowed_sans", p, problems);
        _ = Bool(f, "prefer_server_cipher_suites", p, problems);

        var min = Version(Scalar(f, "min_version", p, problems) ?? "TLS12", "min_version", problems);
        var max = Version(Scalar(f, "max_version", p, problems) ?? "TLS13", "max_version", problems);

        // As exporter-toolkit: a section without certificate, key or client settings means plain HTTP.
        if (string.IsNullOrEmpty(cert) && string.IsNullOrEmpty(key) && string.IsNullOrEmpty(authText) && string.IsNullOrEmpty(ca))
        {
            return null;
        }

        var auth = ClientAuthType.NoClientCert;
        if (!string.IsNullOrEmpty(authText) && !Enum.TryParse(authText == "RequireClientCert" ? nameof(ClientAuthType.RequireAnyClientCert) : authText, ignoreCase: false, out auth))
        {
            problems.Add($"{p}client_auth_type: '{authText}' is not one of {string.Join(", ", Enum.GetNames<ClientAuthType>())}");
        }

        if (!string.IsNullOrEmpty(ca) && auth == ClientAuthType.NoClientCert && authText is null or "" or nameof(ClientAuthType.NoClientCert))
        {
            problems.Add($"{p}client_ca_file: set without a client_auth_type that asks for client certificates");
        }

        if (sans.Count > 0 && auth != ClientAuthType.RequireAndVerifyClientCert)
        {
            problems.Add($"{p}client_allowed_sans: needs client_auth_type RequireAndVerifyClientCert");
        }

        if (string.IsNullOrEmpty(cert))
        {
            problems.Add($"{p}cert_file: missing");
        }

        if (string.IsNullOrEmpty(key))
        {
            problems.Add($"{p}key_file: missing");
        }

        string? certPath = string.IsNullOrEmpty(cert) ? null : Path.GetFullPath(cert, directory);
        string? keyPath = string.IsNullOrEmpty(key) ? null : Path.GetFullPath(key, directory);
        if (certPath is not null && keyPath is not null)
        {
            try
            {
                using var pair = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                problems.Add($"{p}cert_file/key_file: cannot load the certificate {certPath} with the key {keyPath}: {ex.Message}");
            }
        }

        string? caPath = string.IsNullOrEmpty(ca) ? null : Path.GetFullPath(ca, directory);
        if (caPath is not null)
        {
            try
            {
                var bundle = new X509Certificate2Collection();
                bundle.ImportFromPemFile(caPath);
                if (bundle.Count == 0)
                {
                    problems.Add($"{p}client_ca_file: {caPath} holds no certificate");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                problems.Add($"{p}client_ca_file: cannot read {caPath}: {ex.Message}");
            }
        }

        var cipherSuites = new List<TlsCipherSuite>();
        foreach (var name in suites)
        {
            if (Enum.TryParse<TlsCipherSuite>(name, ignoreCase: false, out var suite) && !int.TryParse(name, out _))
            {
                cipherSuites.Add(suite);
            }
            else
            {
                problems.Add($"{p}cipher_suites: unknown cipher suite '{name}'");
            }
        }

        foreach (var curve in curves.Where(c => !Curves.Contains(c)))
        {
            problems.Add($"{p}curve_preferences: unknown curve '{curve}' (expected one of {string.Join(", ", Curves)})");
        }

        if (min is { } lo && max is { } hi && lo > hi)
        {
            problems.Add($"{p}min_version: above max_version");
        }

        var protocols = SslProtocols.None;
        foreach (var v in Versions.Values.Where(v => min is { } l && max is { } h && v >= l && v <= h))
        {
            protocols |= v;
        }

        return new TlsServerConfig(certPath ?? "", keyPath ?? "", auth, caPath, protocols, cipherSuites, sans);

        SslProtocols? Version(string text, string name, List<string> list)
        {
            if (Versions.TryGetValue(text, out var v))
            {
                return v;
            }

            list.Add($"{p}{name}: '{text}' is not one of {string.Join(", ", Versions.Keys)}");
            return null;
        }
    }

    private static (bool Http2, Dictionary<string, string> Headers) ParseHttp(YamlNode node, List<string> problems)
    {
        const string p = "http_server_config.";
        var f = Fields(node, p, HttpKeys, problems);
        var http2 = Bool(f, "http2", p, problems) ?? true;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (f.TryGetValue("headers", out var h) && !IsNull(h))
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
        if (IsNull(node))
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

/// <summary>The web configuration file is invalid; <see cref="Problems"/> lists every problem with its key.</summary>
public sealed class WebConfigException(string path, IReadOnlyList<string> problems)
    : Exception($"web configuration {path}: {string.Join("; ", problems)}")
{
    public string Path { get; } = path;

    public IReadOnlyList<string> Problems { get; } = problems;
}
