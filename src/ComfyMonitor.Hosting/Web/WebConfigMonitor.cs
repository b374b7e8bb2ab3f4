using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ComfyMonitor.Hosting.Web;

/// <summary>
/// The web configuration file as it is now: read again when its content changes (checked at most once a second, on a
/// request or a TLS handshake), as exporter-toolkit reads it again for every request. A change that does not parse
/// is logged and the last valid configuration stays in force: a half-written file never opens the service. TLS itself
/// is switched on or off only at start (as exporter-toolkit); certificates, client-certificate rules, TLS versions,
/// users and headers follow the file.
/// </summary>
public sealed class WebConfigMonitor
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private byte[] _content;
    private volatile WebConfig _current;
    private long _checkedAt;
    private volatile CertificateState? _certificate;
    private readonly ConcurrentDictionary<string, bool> _verified = new(StringComparer.Ordinal);

    public WebConfigMonitor(string path, TimeProvider? time = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        _time = time ?? TimeProvider.System;
        _content = ReadBytes(Path) ?? throw new WebConfigException(Path, ["cannot be read: the file does not exist"]);
        _current = WebConfig.Parse(Encoding.UTF8.GetString(_content), System.IO.Path.GetDirectoryName(Path)!, Path);
        _checkedAt = _time.GetTimestamp();
        StartedWithTls = _current.Tls is not null;
    }

    public ILogger Logger { get; set; } = NullLogger.Instance;

    public string Path { get; }

    /// <summary>Whether the service serves TLS: decided by the file at start.</summary>
    public bool StartedWithTls { get; }

    /// <summary>Loads the file again when its content changed since the last check (at most once a second).</summary>
    public WebConfig Current
    {
        get
        {
            if (_time.GetElapsedTime(Interlocked.Read(ref _checkedAt)) >= CheckEvery)
            {
                Refresh();
            }

            return _current;
        }
    }

    /// <summary>Reads the file now; returns false (and keeps the last valid configuration) when it is invalid.</summary>
    public bool Refresh()
    {
        lock (_lock)
        {
            Interlocked.Exchange(ref _checkedAt, _time.GetTimestamp());
            var content = ReadBytes(Path);
            if (content is null)
            {
                Logger.LogError("Web configuration {Path} cannot be read; the last valid one stays in force", Path);
                return false;
            }

            if (content.AsSpan().SequenceEqual(_content))
            {
                return true;
            }

            _content = content;
            try
            {
                var next = WebConfig.Parse(Encoding.UTF8.GetString(content), System.IO.Path.GetDirectoryName(Path)!, Path);
                if (next.Tls is null && StartedWithTls)
                {
                    Logger.LogWarning("Web configuration {Path} no longer has TLS: TLS is switched off only by a restart; its other settings apply", Path);
                    next = next with { Tls = _current.Tls };
                }
                else if (next.Tls is not null && !StartedWithTls)
                {
                    Logger.LogWarning("Web configuration {Path} now has TLS: TLS is switched on only by a restart; its other settings apply", Path);
                    next = next with { Tls = null };
                }

                _current = next;
                _verified.Clear();
                Logger.LogInformation("Web configuration {Path} reloaded: {Summary}", Path, Describe(next));
                return true;
            }
            catch (WebConfigException ex)
            {
                Logger.LogError("Web configuration {Path} is invalid, the last valid one stays in force: {Problems}", Path, string.Join("; ", ex.Problems));
                return false;
            }
        }
    }

    public static string Describe(WebConfig config) =>
        $"TLS {(config.Tls is { } t ? $"on (client certificates: {t.ClientAuth})" : "off")}, basic authentication {(config.Users.Count > 0 ? $"for {config.Users.Count} user(s)" : "off")}, {config.Headers.Count} header(s)";

    /// <summary>
    /// Checks a user and password against the bcrypt hashes, remembering the outcome of the last few hundred checks
    /// (keyed by a SHA-256 of user, password and hash, as exporter-toolkit's cache) so that a Prometheus scraping every
    /// few seconds does not pay a bcrypt verification each time. An unknown user costs a verification too.
    /// </summary>
    public bool Authenticate(WebConfig config, string user, string password)
    {
        var known = config.Users.TryGetValue(user, out var hash);
        hash ??= DecoyHash;
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{user}\0{password}\0{hash}")));
        if (!_verified.TryGetValue(key, out var ok))
        {
            try
            {
                ok = BCrypt.Net.BCrypt.Verify(password, hash) && known;
            }
            catch (BCrypt.Net.SaltParseException)
            {
                ok = false;
            }

            if (_verified.Count >= 256)
            {
                _verified.Clear();
            }

            _verified[key] = ok;
        }

        return ok;
    }

    // A hash of a random password, verified for unknown users so that they take as long as known ones.
    private static readonly string DecoyHash = BCrypt.Net.BCrypt.HashPassword(Guid.NewGuid().ToString("N"), 10);

    /// <summary>The TLS settings of one handshake, from the current file; certificate files are read again when they change.</summary>
    public SslServerAuthenticationOptions ServerOptions()
    {
        var tls = Current.Tls ?? throw new InvalidOperationException("TLS is not configured");
        var certificate = Certificate(tls);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificate,
            EnabledSslProtocols = tls.Protocols,
            ClientCertificateRequired = tls.ClientAuth != ClientAuthType.NoClientCert,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, cert, _, _) => ClientCertificateAccepted(tls, cert as X509Certificate2 ?? (cert is null ? null : new X509Certificate2(cert))),
        };
        if (tls.CipherSuites.Count > 0 && !OperatingSystem.IsWindows()) // Windows takes the system's cipher suites
        {
            options.CipherSuitesPolicy = new CipherSuitesPolicy(tls.CipherSuites);
        }

        return options;
    }

    private SslStreamCertificateContext Certificate(TlsServerConfig tls)
    {
        var cert = ReadBytes(tls.CertFile);
        var key = ReadBytes(tls.KeyFile);
        var state = _certificate;
        if (state is not null && state.CertFile == tls.CertFile && cert is not null && key is not null && state.Cert.AsSpan().SequenceEqual(cert) && state.Key.AsSpan().SequenceEqual(key))
        {
            return state.Context;
        }

        if (cert is null || key is null)
        {
            Logger.LogError("TLS certificate {Cert} or key {Key} cannot be read; the last loaded certificate is served", tls.CertFile, tls.KeyFile);
            return state?.Context ?? throw new InvalidOperationException("no TLS certificate");
        }

        try
        {
            var leaf = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(cert), Encoding.UTF8.GetString(key));
            var chain = new X509Certificate2Collection();
            chain.ImportFromPem(Encoding.UTF8.GetString(cert));
            var intermediates = new X509Certificate2Collection(chain.Where(c => c.Thumbprint != leaf.Thumbprint).ToArray());
            var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
            _certificate = new CertificateState(tls.CertFile, cert, key, context);
            if (state is not null)
            {
                Logger.LogInformation("TLS certificate {Cert} reloaded (subject {Subject}, expires {Expires:u})", tls.CertFile, leaf.Subject, leaf.NotAfter.ToUniversalTime());
            }

            return context;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            Logger.LogError("TLS certificate {Cert} with key {Key} cannot be loaded ({Message}); the last loaded certificate is served", tls.CertFile, tls.KeyFile, ex.Message);
            return state?.Context ?? throw new InvalidOperationException($"no TLS certificate: {ex.Message}", ex);
        }
    }

    /// <summary>Go's tls.ClientAuthType rules, with client_ca_file (else the system's roots) as the trust anchors.</summary>
    internal static bool ClientCertificateAccepted(TlsServerConfig tls, X509Certificate2? cert) => tls.ClientAuth switch
    {
        ClientAuthType.NoClientCert or ClientAuthType.RequestClientCert => true,
        ClientAuthType.RequireAnyClientCert => cert is not null,
        ClientAuthType.VerifyClientCertIfGiven => cert is null || Verified(tls, cert),
        _ => cert is not null && Verified(tls, cert) && SanAllowed(tls, cert),
    };

    private static bool Verified(TlsServerConfig tls, X509Certificate2 cert)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2")); // client authentication
        if (tls.ClientCaFile is not null)
        {
            var roots = new X509Certificate2Collection();
            try
            {
                roots.ImportFromPemFile(tls.ClientCaFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
            {
                return false;
            }

            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        }

        return chain.Build(cert);
    }

    private static bool SanAllowed(TlsServerConfig tls, X509Certificate2 cert)
    {
        if (tls.ClientAllowedSans.Count == 0)
        {
            return true;
        }

        var names = new List<string>();
        foreach (var extension in cert.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            names.AddRange(extension.EnumerateDnsNames());
            names.AddRange(extension.EnumerateIPAddresses().Select(a => a.ToString()));
        }

        return names.Any(n => tls.ClientAllowedSans.Contains(n, StringComparer.OrdinalIgnoreCase));
    }

    private static byte[]? ReadBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private sealed record CertificateState(string CertFile, byte[] Cert, byte[] Key, SslStreamCertificateContext Context);
}
