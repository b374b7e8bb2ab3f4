using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ComfyMonitor.Hosting.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ComfyMonitor.Hosting.Tests;

/// <summary>
/// The exporter-toolkit web configuration file (<c>--web.config.file</c>): bad files refused with their key, TLS,
/// basic authentication with bcrypt hashes, headers, client certificates, and changes picked up without a restart —
/// against a real Kestrel on 127.0.0.1, with certificates made for the test.
/// </summary>
public sealed class WebConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comfymonitor-webconfig-").FullName;
    private readonly X509Certificate2 _authority = TestCertificates.Authority("ComfyMonitor test CA");
    private readonly string _cert;
    private readonly string _key;

    public WebConfigTests()
    {
        (_cert, _key) = TestCertificates.Write(TestCertificates.Leaf("localhost", _authority, client: false), _dir, "server");
        TestCertificates.Write(_authority, _dir, "ca");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Hash(string password, int cost = 4) => BCrypt.Net.BCrypt.HashPassword(password, cost);

    public static TheoryData<string, string> BadFiles() => new()
    {
        { "tls_server_config:\n  cert_file: server.crt\n", "tls_server_config.key_file: missing" },
        { "tls_server_config:\n  key_file: server.key\n", "tls_server_config.cert_file: missing" },
        { "tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n", "tls_server_config.cert_file/key_file: cannot load" },
        { "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireCert\n", "tls_server_config.client_auth_type: 'RequireCert' is not one of" },
        { "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n", "tls_server_config.client_ca_file: set without a client_auth_type" },
        { "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: missing-ca.crt\n", "tls_server_config.client_ca_file: cannot read" },
        { "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS14\n", "tls_server_config.min_version: 'TLS14' is not one of" },
        { "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n  max_version: TLS12\n", "tls_server_config.min_version: above max_version" },
        { "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_FANCY]\n", "tls_server_config.cipher_suites: unknown cipher suite 'TLS_FANCY'" },
        { "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_allowed_sans: [a]\n", "tls_server_config.client_allowed_sans: needs client_auth_type RequireAndVerifyClientCert" },
        { "tls_server_config:\n  certfile: server.crt\n", "tls_server_config.certfile: unknown key" },
        { "tls_config:\n  cert_file: server.crt\n", "tls_config: unknown key (expected one of tls_server_config, http_server_config, basic_auth_users)" },
        { "basic_auth_users:\n  alice: hunter2\n", "basic_auth_users.alice: not a bcrypt hash" },
        { "basic_auth_users: [alice]\n", "basic_auth_users: expected a mapping" },
        { "http_server_config:\n  headers:\n    X-Powered-By: dotnet\n", "http_server_config.headers.X-Powered-By: not a header a web configuration may set" },
        { "http_server_config:\n  headers:\n    X-Frame-Options: allow\n", "http_server_config.headers.X-Frame-Options: 'allow' is not one of deny, sameorigin" },
        { "http_server_config:\n  http2: perhaps\n", "http_server_config.http2: 'perhaps' is not true or false" },
        { "tls_server_config: [\n", "not valid YAML (line" },
        { "- a\n- b\n", "the file must hold a mapping" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void ABadFileIsRefusedWithTheKeyAtFault(string yaml, string expected)
    {
        var path = Write(yaml);
        var ex = Assert.Throws<WebConfigException>(() => WebConfig.Load(path));
        Assert.Contains(ex.Problems, p => p.Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal); // a password written instead of a hash is not echoed
    }

    [Fact]
    public void EveryProblemOfAFileIsReportedAtOnce()
    {
        var ex = Assert.Throws<WebConfigException>(() => WebConfig.Load(Write("tls_server_config:\n  cert_file: server.crt\n  min_version: TLS9\nbasic_auth_users:\n  bob: plain\nextra: 1\n")));
        Assert.Equal(4, ex.Problems.Count);
    }

    [Fact]
    public void AGoodFileResolvesPathsAgainstItsFolderAndKeepsTheDefaults()
    {
        var config = WebConfig.Load(Write($"tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  alice: {Hash("pw", 10).Replace("$2a$", "$2y$", StringComparison.Ordinal)}\n"));
        Assert.Equal(_cert, config.Tls!.CertFile);
        Assert.Equal(ClientAuthType.NoClientCert, config.Tls.ClientAuth);
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13, config.Tls.Protocols);
        Assert.True(config.Http2);
        Assert.Equal(["alice"], config.Users.Keys);
        Assert.Null(WebConfig.Load(Write("tls_server_config:\n  min_version: TLS13\n")).Tls); // no certificate, key or client settings: plain HTTP
        Assert.Same(WebConfig.None, WebConfig.Load(Write("")));
        Assert.Same(WebConfig.None, WebConfig.Load(Write("# only a comment, as the Kubernetes base ships it\n")));
    }

    [Fact]
    public async Task WithTlsAndAUserMetricsNeedThePasswordHealthDoesNotAndPlainHttpIsRefused()
    {
        var path = Write($"""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
            basic_auth_users:
              alice: {Hash("right")}
            http_server_config:
              headers:
                X-Frame-Options: deny
                Strict-Transport-Security: max-age=31536000
            """);
        await using var server = await Server.StartAsync(path);
        using var https = server.Client();

        var anonymous = await https.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("deny", anonymous.Headers.GetValues("X-Frame-Options").Single());

        Assert.Equal(HttpStatusCode.Unauthorized, (await https.SendAsync(Request("metrics", "alice", "wrong"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await https.SendAsync(Request("metrics", "mallory", "right"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await https.SendAsync(new HttpRequestMessage(HttpMethod.Get, "metrics") { Headers = { Authorization = new("Basic", "not base64!") } })).StatusCode);
        var ok = await https.SendAsync(Request("metrics", "alice", "right"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("metrics", await ok.Content.ReadAsStringAsync());
        Assert.Equal("max-age=31536000", ok.Headers.GetValues("Strict-Transport-Security").Single());

        Assert.Equal(HttpStatusCode.OK, (await https.GetAsync("health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await https.GetAsync("alive")).StatusCode);

        using var plain = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}/"), Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync("metrics"));
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync("health"));
    }

    [Fact]
    public async Task HealthEndpointsNeedTheUserWhenConfiguredSo()
    {
        var path = Write($"basic_auth_users:\n  alice: {Hash("right")}\n");
        await using var server = await Server.StartAsync(path, authenticateHealth: true);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}/") };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Request("health", "alice", "right"))).StatusCode);
    }

    [Fact]
    public async Task ChangesToTheFileApplyWithoutARestartAndABrokenFileKeepsTheLastValidOne()
    {
        var path = Write($"basic_auth_users:\n  alice: {Hash("one")}\n");
        await using var server = await Server.StartAsync(path);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}/") };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Request("metrics", "alice", "one"))).StatusCode);

        File.WriteAllText(path, $"basic_auth_users:\n  bob: {Hash("two")}\n");
        await Eventually(async () => (await http.SendAsync(Request("metrics", "bob", "two"))).StatusCode == HttpStatusCode.OK, "bob is accepted");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(Request("metrics", "alice", "one"))).StatusCode);

        File.WriteAllText(path, "basic_auth_users:\n  bob: [\n");
        // The file is read again on a request (at most once a second), as exporter-toolkit reads it on every request.
        await Eventually(async () => (await http.GetAsync("metrics")).StatusCode == HttpStatusCode.Unauthorized && server.Logged("is invalid, the last valid one stays in force"), "the broken file is reported");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Request("metrics", "bob", "two"))).StatusCode);
    }

    [Fact]
    public async Task ARenewedCertificateIsServedOnTheNextConnection()
    {
        var path = Write("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
        await using var server = await Server.StartAsync(path);
        var first = await ServedCertificateAsync(server.Port);
        var original = new X509Certificate2Collection();
        original.ImportFromPemFile(_cert);
        Assert.Equal(original[0].Thumbprint, first);

        var renewed = TestCertificates.Leaf("localhost", _authority, client: false);
        TestCertificates.Write(renewed, _dir, "server");
        await Eventually(async () => await ServedCertificateAsync(server.Port) == renewed.Thumbprint, "the renewed certificate is served");
    }

    [Fact]
    public async Task RequireAndVerifyClientCertAcceptsOnlyClientsTheAuthoritySigned()
    {
        var path = Write("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n");
        await using var server = await Server.StartAsync(path);

        using (var signed = server.Client(TestCertificates.Leaf("prometheus", _authority, client: true)))
        {
            Assert.Equal(HttpStatusCode.OK, (await signed.GetAsync("metrics")).StatusCode);
        }

        using (var stranger = server.Client(TestCertificates.Leaf("prometheus", TestCertificates.Authority("Another CA"), client: true)))
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => stranger.GetAsync("metrics"));
        }

        using (var selfSigned = server.Client(TestCertificates.Leaf("prometheus", null, client: true)))
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => selfSigned.GetAsync("metrics"));
        }

        using var none = server.Client();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => none.GetAsync("metrics"));
    }

    [Fact]
    public void ClientSansAreCheckedWhenListed()
    {
        var tls = WebConfig.Load(Write("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  client_allowed_sans: [prometheus]\n")).Tls!;
        Assert.True(WebConfigMonitor.ClientCertificateAccepted(tls, TestCertificates.Leaf("prometheus", _authority, client: true)));
        Assert.False(WebConfigMonitor.ClientCertificateAccepted(tls, TestCertificates.Leaf("grafana", _authority, client: true)));
        Assert.False(WebConfigMonitor.ClientCertificateAccepted(tls, null));
    }

    [Fact]
    public void TheServiceBuilderRefusesABadFileWithTheSettingName()
    {
        var builder = WebApplication.CreateBuilder(["--web.config.file", Write("basic_auth_users:\n  alice: plain\n")]);
        var ex = Assert.Throws<OptionsValidationException>(() => builder.AddWebConfig());
        Assert.Contains(ex.Failures, f => f.StartsWith("Web:ConfigFile ", StringComparison.Ordinal) && f.Contains("basic_auth_users.alice", StringComparison.Ordinal));

        var unreadable = WebApplication.CreateBuilder(["--web.config.file", Write("")]);
        unreadable.Configuration["Web:AuthenticateHealthEndpoints"] = "yes";
        Assert.Contains(Assert.Throws<OptionsValidationException>(() => unreadable.AddWebConfig()).Failures, f => f == "Web:AuthenticateHealthEndpoints 'yes' is not true or false");

        var missing = WebApplication.CreateBuilder();
        missing.Configuration["Web:ConfigFile"] = Path.Combine(_dir, "absent.yml");
        Assert.Contains(Assert.Throws<OptionsValidationException>(() => missing.AddWebConfig()).Failures, f => f.Contains("cannot be read", StringComparison.Ordinal));
    }

    private string Write(string yaml)
    {
        var path = Path.Combine(_dir, $"web-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static HttpRequestMessage Request(string path, string user, string password) => new(HttpMethod.Get, path)
    {
        Headers = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"))) },
    };

    private static async Task<string?> ServedCertificateAsync(int port)
    {
        string? thumbprint = null;
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    thumbprint = cert?.GetCertHashString();
                    return true;
                },
            },
        };
        using var http = new HttpClient(handler);
        (await http.GetAsync($"https://127.0.0.1:{port}/health")).EnsureSuccessStatusCode();
        return thumbprint;
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not {what} within 20 s");
            await Task.Delay(100);
        }
    }

    /// <summary>A minimal service as the collector and the probe build theirs: /metrics, /health, /alive behind the web configuration.</summary>
    private sealed class Server(WebApplication app, int port, List<string> logs) : IAsyncDisposable
    {
        public int Port { get; } = port;

        public bool Logged(string text)
        {
            lock (logs)
            {
                return logs.Any(l => l.Contains(text, StringComparison.Ordinal));
            }
        }

        public static async Task<Server> StartAsync(string webConfig, bool authenticateHealth = false)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
            builder.Configuration["Web:ConfigFile"] = webConfig;
            builder.Configuration["Web:AuthenticateHealthEndpoints"] = authenticateHealth ? "true" : null;
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var logs = new List<string>();
            builder.Logging.ClearProviders().AddProvider(new ListLogger(logs));
            builder.AddWebConfig();
            var app = builder.Build();
            app.MapGet("/metrics", () => "metrics");
            app.MapGet("/health", () => "Healthy");
            app.MapGet("/alive", () => "Healthy");
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new Server(app, new Uri(address).Port, logs);
        }

        public HttpClient Client(X509Certificate2? clientCertificate = null)
        {
            var handler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, _, _, _) => true, // curl -k
                    ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                },
            };
            return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{Port}/"), Timeout = TimeSpan.FromSeconds(10) };
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private sealed class ListLogger(List<string> lines) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines)
            {
                lines.Add(formatter(state, exception));
            }
        }

        public void Dispose()
        {
        }
    }
}
