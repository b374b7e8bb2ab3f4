using ComfyMonitor.Testing;

namespace ComfyMonitor.Reliability.Tests;

/// <summary>
/// The shipped programs with bad settings, as an operator would start them: a non-zero exit, and every problem
/// listed at once with its configuration key (like blackbox_exporter's invalid-config tests, table-driven).
/// </summary>
public sealed class BadConfigurationTests
{
    public static TheoryData<string, string, string[]> Cases()
    {
        // In the test's own output folder (written when the cases are listed, so no test could delete it from /tmp).
        var unparsable = Path.Combine(AppContext.BaseDirectory, "unparsable-canary.json");
        File.WriteAllText(unparsable, "{\"1\": {\"class_type\": \"EmptyImage\", ");
        var unreadable = Path.Combine(Path.GetTempPath(), "comfymonitor-no-such-targets.json");
        var webConfig = Path.Combine(AppContext.BaseDirectory, "bad-web-config.yml");
        File.WriteAllText(webConfig, "tls_server_config:\n  cert_file: missing.crt\nbasic_auth_users:\n  alice: hunter2\n");
        return new()
        {
            {
                "ComfyMonitor.Collector",
                "ComfyUI__Instances__0__Url=|ComfyUI__Instances__1__Url=/relative|ComfyUI__Instances__2__Url=ftp://gpu:21|ComfyUI__Instances__3__Url=http://a:8188|ComfyUI__Instances__3__Name=gpu|ComfyUI__Instances__4__Url=http://b:8188|ComfyUI__Instances__4__Name=gpu",
                ["ComfyUI:Instances:0:Url is missing", "ComfyUI:Instances:1:Url is not an absolute URL", "ComfyUI:Instances:2:Url must use http or https", "ComfyUI:Instances:4:Name 'gpu' is already used"]
            },
            {
                "ComfyMonitor.Collector",
                $"ComfyUI__Instances__0__Url=http://a:8188|Collector__Interval=00:00:00|Collector__Timeout=-00:00:01|Collector__Shard__Index=3|Collector__Shard__Count=2|ComfyUI__Discovery__Files__0={unreadable}",
                ["Collector:Interval must be positive", "Collector:Timeout", "Collector:Shard:Index must be from 0 to Collector:Shard:Count - 1", $"ComfyUI:Discovery:Files:0 '{unreadable}' cannot be read"]
            },
            {
                "ComfyMonitor.Collector",
                "ComfyUI__Instances__0__Url=http://a:8188|Collector__Interval=00:00:05|Collector__Timeout=00:00:05",
                ["Collector:Timeout (00:00:05) must be shorter than Collector:Interval"]
            },
            {
                "ComfyMonitor.Probe",
                $"ComfyUI__Instances__0__Url=http://a:8188|Probe__Interval=-00:00:01|Probe__Timeout=00:00:00|Probe__Custom__0__Name=team|Probe__Custom__0__Workflow={unparsable}|Probe__Custom__0__OutputNode=9",
                ["Probe:Interval must be positive", "Probe:Timeout must be positive", $"Probe:Custom:0:Workflow '{unparsable}' cannot be used"]
            },
            {
                "ComfyMonitor.Probe",
                "ComfyUI__Instances__0__Url=gpu-01:8188|Probe__Shard__Index=1|Probe__Canaries__Sparkle__Enabled=true",
                ["ComfyUI:Instances:0:Url", "Probe:Shard:Index must be from 0", "Probe:Canaries:Sparkle is not a built-in canary"]
            },
            {
                // The exporter-toolkit web configuration file: every problem, with the setting and the key in the file.
                "ComfyMonitor.Collector",
                $"ComfyUI__Instances__0__Url=http://a:8188|Web__ConfigFile={webConfig}",
                [$"Web:ConfigFile {webConfig}: tls_server_config.key_file: missing", "basic_auth_users.alice: not a bcrypt hash"]
            },
            {
                "ComfyMonitor.Probe",
                "ComfyUI__Instances__0__Url=http://a:8188|Web__ConfigFile=/nonexistent/web.yml",
                ["Web:ConfigFile /nonexistent/web.yml: cannot be read"]
            },
            {
                // Values that are not numbers or durations at all, including those read while the services are built.
                "ComfyMonitor.Collector",
                "ComfyUI__Instances__0__Url=http://a:8188|Collector__Interval=5s|Collector__MaxConcurrency=lots|Collector__MaxInstances=many",
                ["'Collector:", "to type"]
            },
            {
                "ComfyMonitor.Probe",
                "ComfyUI__Instances__0__Url=http://a:8188|Probe__Timeout=2m|Probe__MaxConcurrency=lots|Probe__MaxInstances=many",
                ["'Probe:", "to type"]
            },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TheProgramExitsNonZeroListingEveryProblemWithItsKey(string project, string settings, string[] expected)
    {
        var environment = settings.Split('|').Select(s => s.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        await using var process = ChildProcess.StartService(project, environment);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token); // and every line of its output read
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{project} started with bad settings:\n{process.Tail()}");
        }

        Assert.Equal(2, process.ExitCode);
        var output = process.Tail(100);
        Assert.Contains("invalid configuration", output, StringComparison.Ordinal);
        Assert.All(expected, e => Assert.Contains(e, output, StringComparison.Ordinal));
    }
}
