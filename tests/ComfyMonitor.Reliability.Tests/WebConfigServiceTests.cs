using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Text;
using ComfyMonitor.Hosting.Tests;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Reliability.Tests;

/// <summary>
/// The shipped collector and probe started as an operator would, with <c>--web.config.file</c> holding a certificate and
/// one bcrypt user: HTTPS only, 401 without the user on /metrics, the page and the JSON API, 200 with it, and the
/// health endpoints open to probes.
/// </summary>
public sealed class WebConfigServiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comfymonitor-web-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("ComfyMonitor.Collector", "api/fleet")]
    [InlineData("ComfyMonitor.Probe", "api/runs")]
    public async Task WithAWebConfigTheServiceAnswersOnlyHttpsAndOnlyToItsUser(string project, string api)
    {
        TestCertificates.Write(TestCertificates.Leaf("localhost", null, client: false), _dir, "server");
        // A hash as `htpasswd -nBC 10` writes it.
        var hash = BCrypt.Net.BCrypt.HashPassword("s3cret", 10).Replace("$2a$", "$2y$", StringComparison.Ordinal);
        var config = Path.Combine(_dir, "web.yml");
        File.WriteAllText(config, $"tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: {hash}\n");

        var dll = Repository.ServiceDll(project);
        await using var service = ChildProcess.Start("dotnet", [dll, "--urls", "http://127.0.0.1:0", "--web.config.file", config], new Dictionary<string, string>
        {
            ["ComfyUI__Instances__0__Url"] = "http://127.0.0.1:9",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        }, Path.GetDirectoryName(dll));
        var url = await service.WaitListeningAsync();
        Assert.Equal("https", url.Scheme); // the log says what is served

        using var https = new HttpClient(new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true } })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(30),
        };
        await ChildProcess.WaitForHttpAsync(https, "health", () => service.Tail(20), () => service.HasExited);
        Assert.Equal(HttpStatusCode.OK, (await https.GetAsync("alive")).StatusCode);
        foreach (var path in new[] { "metrics", "", api })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await https.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await https.SendAsync(Authorized(path, "wrong"))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await https.SendAsync(Authorized(path, "s3cret"))).StatusCode);
        }

        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync($"http://127.0.0.1:{url.Port}/metrics"));
    }

    [Fact]
    public async Task ARealPrometheusScrapesTheCollectorOverHttpsWithTheUserAndIsRefusedWithoutIt()
    {
        // Debian's prometheus, as ./test.sh installs it: the Go TLS client and basic auth of real scrapes.
        Assert.SkipUnless((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "prometheus"))), "prometheus is not on PATH (./test.sh installs it)");
        var authority = TestCertificates.Authority("ComfyMonitor test CA");
        TestCertificates.Write(authority, _dir, "ca");
        TestCertificates.Write(TestCertificates.Leaf("localhost", authority, client: false), _dir, "server");
        var hash = BCrypt.Net.BCrypt.HashPassword("s3cret", 10);
        var config = Path.Combine(_dir, "web.yml");
        File.WriteAllText(config, $"tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: {hash}\n");

        var dll = Repository.ServiceDll("ComfyMonitor.Collector");
        await using var collector = ChildProcess.Start("dotnet", [dll, "--urls", "http://127.0.0.1:0", "--web.config.file", config], new Dictionary<string, string>
        {
            ["ComfyUI__Instances__0__Url"] = "http://127.0.0.1:9",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        }, Path.GetDirectoryName(dll));
        var target = (await collector.WaitListeningAsync()).Authority;

        var prometheusPort = FreePorts.One();
        File.WriteAllText(Path.Combine(_dir, "prometheus.yml"), $$"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s   # each target is scraped again every second until it shows what it should
            scrape_configs:
              - job_name: right-user
                scheme: https
                tls_config: {ca_file: ca.crt}
                basic_auth: {username: prometheus, password: s3cret}
                static_configs: [{targets: ["{{target}}"]}]
              - job_name: wrong-password
                scheme: https
                tls_config: {ca_file: ca.crt}
                basic_auth: {username: prometheus, password: guess}
                static_configs: [{targets: ["{{target}}"]}]
              - job_name: plain-http
                static_configs: [{targets: ["{{target}}"]}]
            """);
        await using var prometheus = ChildProcess.Start("prometheus",
            ["--config.file=prometheus.yml", $"--storage.tsdb.path={Path.Combine(_dir, "data")}", $"--web.listen-address=127.0.0.1:{prometheusPort}", "--log.level=warn"],
            workingDirectory: _dir);
        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{prometheusPort}/"), Timeout = TimeSpan.FromSeconds(10) };

        var deadline = DateTime.UtcNow.AddSeconds(60);
        Dictionary<string, (string Health, string Error)> targets = [];
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var answer = await api.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("api/v1/targets");
                targets = answer!["data"]!["activeTargets"]!.AsArray().ToDictionary(t => (string)t!["labels"]!["job"]!, t => ((string)t!["health"]!, (string?)t["lastError"] ?? ""));
                // Until each target shows what it should (a loaded machine may time a first scrape out).
                if (targets.GetValueOrDefault("right-user").Health == "up" && targets.GetValueOrDefault("wrong-password").Error.Contains("401", StringComparison.Ordinal)
                    && targets.GetValueOrDefault("plain-http").Health == "down")
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        Assert.True(targets.GetValueOrDefault("right-user").Health == "up", $"targets: {string.Join("; ", targets)}\n{prometheus.Tail(10)}");
        Assert.Equal("down", targets["wrong-password"].Health);
        Assert.Contains("401", targets["wrong-password"].Error, StringComparison.Ordinal);
        Assert.Equal("down", targets["plain-http"].Health);
    }

    private static HttpRequestMessage Authorized(string path, string password) => new(HttpMethod.Get, path)
    {
        Headers = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"prometheus:{password}"))) },
    };
}
