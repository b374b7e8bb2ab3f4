using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using YamlDotNet.RepresentationModel;

namespace ComfyMonitor.Hosting.Web;

/// <summary>
/// <c>tls_server_config</c> of the web configuration file: the certificate and key, client certificates, TLS versions,
/// cipher suites and curves, each checked as exporter-toolkit checks them.
/// </summary>
internal static class TlsSection
{
    private static readonly string[] TlsKeys =
    [
        "cert_file", "key_file", "client_auth_type", "client_ca_file", "cipher_suites", "curve_preferences", "min_version", "max_version",
        "prefer_server_cipher_suites", "client_allowed_sans",
    ];
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

    /// <summary>Parses <c>tls_server_config</c>; null when it asks for no TLS (as exporter-toolkit: no certificate, key or client settings).</summary>
    public static TlsServerConfig? Parse(YamlNode node, string directory, List<string> problems)
    {
        const string p = "tls_server_config.";
        var f = WebConfigYaml.Fields(node, p, TlsKeys, problems);
        var cert = WebConfigYaml.Scalar(f, "cert_file", p, problems);
        var key = WebConfigYaml.Scalar(f, "key_file", p, problems);
        var authText = WebConfigYaml.Scalar(f, "client_auth_type", p, problems);
        var ca = WebConfigYaml.Scalar(f, "client_ca_file", p, problems);
        var suites = WebConfigYaml.List(f, "cipher_suites", p, problems);
        var curves = WebConfigYaml.List(f, "curve_preferences", p, problems);
        var sans = WebConfigYaml.List(f, "client_allowed_sans", p, problems);
        _ = WebConfigYaml.Bool(f, "prefer_server_cipher_suites", p, problems);

        var min = Version(WebConfigYaml.Scalar(f, "min_version", p, problems) ?? "TLS12", "min_version", problems);
        var max = Version(WebConfigYaml.Scalar(f, "max_version", p, problems) ?? "TLS13", "max_version", problems);

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
}
