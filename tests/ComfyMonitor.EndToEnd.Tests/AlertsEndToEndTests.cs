using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>
/// Simulator, collector, probe, Prometheus with the shipped rules and Alertmanager with the shipped configuration:
/// a mixed fleet — an image pool with users' jobs and a video pool whose long jobs run with prompts pending behind them
/// and canaries deferred behind them — raises no alert, not even a pending one; then each fault raises exactly its
/// alerts (a hung image job and a hung video job each within the bound of its own stall window), Alertmanager holds back
/// the ones another alert of the same instance explains, every dashboard query returns data, and everything resolves
/// after recovery.
/// </summary>
public sealed class AlertsEndToEndTests
{
    private const int Instances = 13;

    /// <summary>sim-11 and sim-12 serve video: jobs of ~20 s here (a sampler of 12 s), against image jobs of ~6 s.</summary>
    private const int Video = 2;

    private static readonly TimeSpan VideoSampler = TimeSpan.FromSeconds(12);

    /// <summary>The stall windows of the stack (compressed): Collector:StallAfter for images, ComfyUI:Pools:video:StallAfter.</summary>
    private static readonly Dictionary<string, double> StallWindows = new() { ["sim-2"] = 20, ["sim-11"] = 40 };

    /// <summary>The alerts each fault raises, as (alertname, comfyui_instance or "" for fleet-wide ones).</summary>
    private static readonly (string Alert, string Instance)[] Expected =
    [
        ("ComfyUIInstanceDown", "sim-1"),
        ("ComfyUIQueueStalled", "sim-2"),
        ("ComfyUIVRAMLeak", "sim-3"),
        ("ComfyUIOutOfMemory", "sim-4"),
        ("ComfyUIPromptErrorRateHigh", "sim-4"),
        ("ComfyUICanaryErrorBudgetBurn", "sim-4"),
        ("ComfyMonitorScrapeFailing", "sim-6"),
        ("ComfyUIVersionDrift", ""),
        ("ComfyUIExtensionDrift", ""),
        ("ComfyUIModelDrift", ""),
        ("ComfyUICrashLooping", "sim-8"),
        ("ComfyUIQueueStalled", "sim-11"), // a hung video job, after its pool's 40 s
        ("ComfyUIInstanceDown", "sim-12"),
        ("ComfyUIBlankOutputs", "sim-9"), // the sampler canary's outputs are black, every prompt a success
        ("ComfyUISamplingSlow", "sim-10"), // the sampler canary's steps/s a quarter of its healthy median
    ];

    /// <summary>Alerts the same faults raise that Alertmanager must hold back (another alert of the instance explains them).</summary>
    private static readonly (string Alert, string Instance)[] Suppressed =
    [
        ("ComfyUICanaryErrorBudgetBurn", "sim-1"), // down: every canary fails to connect
        ("ComfyUIQueueBacklog", "sim-2"), // stalled: the queue waits behind the stuck prompt
        ("ComfyUICanaryErrorBudgetBurn", "sim-12"), // a video instance down: its canaries fail to connect
    ];

    /// <summary>Alerts the faults may raise on the way, depending on timing: each one a consequence of its instance's fault.</summary>
    private static readonly (string Alert, string Instance)[] Allowed =
    [
        ("ComfyUICanaryErrorBudgetBurn", "sim-2"), // canaries wait behind the stuck prompt past Probe:MaxQueueWait
        ("ComfyUICanaryErrorBudgetBurn", "sim-5"), // a canary slower than Probe:Timeout on the slow server
        ("ComfyUIQueueStalled", "sim-5"), // users' jobs ten times slower there: none finishes for Collector:StallAfter
        ("ComfyUIQueueBacklog", "sim-5"),
        ("ComfyUISamplingSlow", "sim-5"), // the slow server samples slowly too, where its sampler canary measured a healthy speed between users' jobs
        ("ComfyUICanaryErrorBudgetBurn", "sim-6"), // the canaries read their result from the broken /history
        ("ComfyUICanaryErrorBudgetBurn", "sim-8"), // a canary whose prompt a restart swept away
        ("ComfyUIInstanceDown", "sim-8"),
        ("ComfyUICanaryErrorBudgetBurn", "sim-11"), // canaries behind the hung video job once it is past its stall window
        ("ComfyUIQueueBacklog", "sim-11"),
        ("ComfyUICanaryErrorBudgetBurn", "sim-9"), // the blank sampler runs are failed runs (Alertmanager holds it back behind the blank outputs)
    ];

    [Fact]
    public async Task AHealthyFleetRaisesNothingAndEachFaultExactlyItsAlerts()
    {
        await using var stack = await MonitoringStack.StartAsync(Instances, Video);
        var sim = stack.Sim;
        using var healthy = sim.Http(0);
        using var stuck = sim.Http(2);
        using var oom = sim.Http(4);

        var deadline = DateTime.UtcNow.AddSeconds(120);
        while ((await stack.QueryAsync("comfyui_up == 1")).Count < Instances || (await stack.QueryAsync("comfyui_canary_success == 1")).Count < Instances * 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "the healthy fleet never showed up in Prometheus\n" + stack.Failures());
            await Task.Delay(500);
        }

        // A healthy fleet whose GPUs are kept busy by users' prompts of ~10 s each (longer than Probe:Timeout), for 20 rule
        // evaluations, more than an hour of the rules' time (an hour is 15 s here): no alert fires and nothing reaches
        // Alertmanager. A pending one may come and go: a loaded test machine can time one cycle out (up 0 for 2 s), which is
        // what the alerts' `for` absorbs; promtool's precision tests keep them silent on such blips (an instance back within
        // two minutes, a single failed canary run).
        using (var users = new CancellationTokenSource())
        {
            // sim-9 and sim-10 stay idle: their sampler canaries (which run only on an idle instance) measure a healthy speed
            // all through this phase, the median that sim-10's slow sampling is later compared with.
            var busy = Enumerable.Range(0, Instances).Select(i => Task.Run(async () =>
            {
                using var http = sim.Http(i);
                while (!users.IsCancellationRequested && i is not (9 or 10))
                {
                    if ((await http.GetJsonAsync("queue")).Body!["queue_pending"]!.AsArray().Count < 2)
                    {
                        // Prompts that succeed: with every window compressed to 15 s, one failure among the few prompts of a
                        // window would be "a rate"; one failure among many is the promtool precision test's, over 15 minutes.
                        // The video pool's users keep two long jobs waiting behind the running one.
                        var prompt = i >= stack.FirstVideo ? Simulator.Workload.WorkloadService.Video(VideoSampler) : Simulator.Workload.WorkloadService.Txt2Img(succeeds: true);
                        await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = prompt["prompt"]!.DeepClone(), ["client_id"] = "a-user" });
                    }

                    await Task.Delay(1000);
                }
            })).ToList();
            // 45 evaluations: two video jobs or more, back to back with prompts pending, canaries deferred behind them.
            await stack.HoldsForEvaluationsAsync(45, async () =>
            {
                var raised = (await stack.QueryAsync("ALERTS{alertstate=\"firing\"}")).Select(a => $"{a!["metric"]!["alertname"]} {a["metric"]!["comfyui_instance"]} ({a["metric"]!["alertstate"]})").ToList();
                Assert.True(raised.Count == 0, "alerts on a healthy fleet: " + string.Join(", ", raised));
                Assert.Empty(await stack.AlertsAsync());
            });
            Assert.True((await stack.QueryAsync("sum(comfyui_queue_running) > 0")).Count > 0, "the users' prompts never ran");
            Assert.True((await stack.QueryAsync("sum(comfyui_canary_runs_total{result=\"deferred\",comfyui_instance=~\"sim-11|sim-12\"}) > 0")).Count > 0,
                "no canary was deferred behind a video job");
            Assert.True((await stack.QueryAsync("max_over_time(comfyui_queue_pending{comfyui_instance=\"sim-11\"}[2m]) >= 2")).Count > 0, "the video jobs never had prompts pending behind them");
            Assert.True((await stack.QueryAsync("comfyui_canary_sampling_steps_per_second{comfyui_instance=\"sim-10\"} > 0")).Count > 0, "the sampler canary never measured sim-10's speed");
            foreach (var name in new[] { "sim-11", "sim-12" })
            {
                Assert.Equal("40", (string?)(await stack.QueryAsync($"comfyui_queue_stall_after_seconds{{comfyui_instance=\"{name}\"}}")).Single()!["value"]![1]);
            }
            await users.CancelAsync();
            await Task.WhenAll(busy);
        }

        // The users go home: their last prompts finish before the faults begin.
        for (var i = 0; i < Instances; i++)
        {
            using var http = sim.Http(i);
            await http.PostJsonAsync("queue", new JsonObject { ["clear"] = true });
            for (var idle = DateTime.UtcNow.AddSeconds(60); await http.RunningAsync() is not null; await Task.Delay(200))
            {
                Assert.True(DateTime.UtcNow < idle, $"sim-{i} never finished its users' prompts");
            }
        }

        // Traffic on a healthy instance, so that latency panels have data.
        for (var i = 0; i < 4; i++)
        {
            await healthy.RunAsync(CanaryFiles.EmptyImageSaveWithColour(i));
        }

        await sim.SetScenarioAsync(1, "down");
        await sim.SetScenarioAsync(2, "stuck");
        for (var i = 0; i < 3; i++)
        {
            await stuck.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(100 + i) });
        }

        // A video job that hangs, with users' prompts behind it; a video instance that goes down.
        using var video = sim.Http(11);
        var hung = await video.PostJsonAsync("prompt", new JsonObject { ["prompt"] = Simulator.Workload.WorkloadService.Video(VideoSampler)["prompt"]!.DeepClone() });
        await SimulatorHttp.WaitUntilRunningAsync(video, (string)hung.Body!["prompt_id"]!, TimeSpan.FromSeconds(30));
        await sim.SetScenarioAsync(11, "stuck");
        for (var i = 0; i < 2; i++)
        {
            await video.PostJsonAsync("prompt", new JsonObject { ["prompt"] = Simulator.Workload.WorkloadService.Video(VideoSampler)["prompt"]!.DeepClone() });
        }

        await sim.SetScenarioAsync(12, "down");

        // A model that decodes to black (status success), and a GPU that samples four times slower.
        await sim.SetScenarioAsync(9, "black-images");
        await sim.SetScenarioAsync(10, "slow-sampling");
        await sim.SetScenarioAsync(3, "vram-leak");
        await sim.SetScenarioAsync(4, "oom");
        await sim.SetScenarioAsync(5, "slow");
        await sim.SetScenarioAsync(6, "broken-history");
        using (var version = await sim.Control.PutAsync("instances/7/version/0.7.0", null))
        using (var extensions = await sim.Control.PutAsJsonAsync("instances/7/extensions", new[] { "/extensions/core/clipspace.js", "/extensions/new-pack/main.js" }))
        using (var models = await sim.Control.PutAsJsonAsync("instances/7/models/checkpoints", new[] { "sd_xl_base_1.0.safetensors" }))
        {
            version.EnsureSuccessStatusCode();
            extensions.EnsureSuccessStatusCode();
            models.EnsureSuccessStatusCode();
        }

        using var traffic = new CancellationTokenSource();
        var failing = Task.Run(async () =>
        {
            // Prompts keep failing on the oom instance; every fourth second one leaks VRAM on the vram-leak instance
            // (256 MiB each: the 15-second floors fall for minutes, longer than the four the compressed rule compares).
            using var leak = sim.Http(3);
            for (var i = 0; !traffic.IsCancellationRequested; i++)
            {
                await oom.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(1000 + i) });
                if (i % 8 == 0)
                {
                    await leak.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(5000 + i) });
                }

                await Task.Delay(500);
            }
        });
        var faultsBegan = DateTimeOffset.UtcNow.AddSeconds(-10);
        var crashing = Task.Run(async () =>
        {
            // A crash loop on an instance nobody but the probe uses (sim-8 has had no users' prompts since the healthy
            // phase): each restart is counted from the number of the canary the probe keeps in the history, before the next.
            for (var restarts = 1; !traffic.IsCancellationRequested; restarts++)
            {
                using (var restart = await sim.Control.PostAsync("instances/8/restart", null))
                {
                    restart.EnsureSuccessStatusCode();
                }

                for (var counted = DateTime.UtcNow.AddSeconds(60); !traffic.IsCancellationRequested; await Task.Delay(250))
                {
                    var value = PrometheusText.Parse(await stack.Collector.GetStringAsync("metrics")).Value("comfyui_restarts_total", "sim-8") ?? 0;
                    if (value >= restarts)
                    {
                        break;
                    }

                    Assert.True(DateTime.UtcNow < counted, $"restart {restarts} of sim-8 not counted in 60 s (count {value})");
                }
            }
        });

        try
        {
            // Each hung job pages after its own stall window, and within the documented bound (the window, the alert's
            // for: — 3 s here — and a few seconds of scrapes and evaluations), measured from its last progress.
            var paged = new Dictionary<string, double>();
            for (var until = DateTime.UtcNow.AddSeconds(150); paged.Count < StallWindows.Count; await Task.Delay(500))
            {
                Assert.True(DateTime.UtcNow < until, $"the hung jobs did not page: only {string.Join(", ", paged.Keys)}\n{stack.Failures()}");
                foreach (var firing in await stack.QueryAsync("ALERTS{alertname=\"ComfyUIQueueStalled\",alertstate=\"firing\"}"))
                {
                    var name = (string)firing!["metric"]!["comfyui_instance"]!;
                    if (StallWindows.ContainsKey(name) && !paged.ContainsKey(name))
                    {
                        var age = (await stack.QueryAsync($"time() - comfyui_queue_last_progress_timestamp_seconds{{comfyui_instance=\"{name}\"}}")).Single()!["value"]![1]!;
                        paged[name] = double.Parse((string)age!, System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
            }

            foreach (var (name, window) in StallWindows)
            {
                Assert.True(paged[name] >= window && paged[name] <= window + 30, $"{name} paged {paged[name]:0.#} s after its last progress; its window is {window} s");
            }

            var alerts = await WaitForAsync(stack, alerts => Expected.Concat(Suppressed).All(alerts.ContainsKey), TimeSpan.FromSeconds(180), "every alert of every fault in Alertmanager");

            // Exactly the alerts that belong to the faults: none on the healthy instance, none that no fault explains.
            var unexplained = alerts.Keys.Except(Expected).Except(Suppressed).Except(Allowed).ToList();
            Assert.True(unexplained.Count == 0, "alerts no fault explains: " + string.Join(", ", unexplained));

            // Alertmanager holds back what another alert of the same instance explains, and nothing else.
            foreach (var held in Suppressed)
            {
                Assert.True(alerts[held].State == "suppressed" && alerts[held].InhibitedBy > 0, $"{held} is {alerts[held].State}, inhibited by {alerts[held].InhibitedBy}");
            }

            foreach (var active in Expected)
            {
                Assert.True(alerts[active].State == "active", $"{active} is {alerts[active].State}");
            }

            var down = (await stack.Alertmanager.GetFromJsonAsync<JsonArray>("api/v2/alerts"))!
                .Single(a => (string?)a!["labels"]!["alertname"] == "ComfyUIInstanceDown" && (string?)a["labels"]!["comfyui_instance"] == "sim-1")!;
            Assert.Equal("critical", (string?)down["labels"]!["severity"]);
            Assert.Equal("https://runbooks.example/comfymonitor/dashboards/runbooks.md#comfyuiinstancedown", (string?)down["annotations"]!["runbook_url"]);
            Assert.Contains("sim-1", (string?)down["annotations"]!["description"]);

            // Readiness as a real Prometheus reads it through http_sd: what the collector calls ready, which excludes the
            // down, the stalled and those whose canaries fail, and includes the healthy one.
            HashSet<string> ready = [];
            for (var until = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(500))
            {
                ready = await stack.ReadyTargetsAsync();
                var answered = (await stack.Collector.GetFromJsonAsync<JsonArray>("api/ready"))!.Select(g => (string)g!["labels"]!["comfyui_instance"]!).ToHashSet();
                // sim-8 restarts every few seconds, its canaries failing now and then: it comes and goes.
                if (ready.Except(["sim-8"]).ToHashSet().SetEquals(answered.Except(["sim-8"])) && ready.Contains("sim-0"))
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < until, $"Prometheus discovered {string.Join(", ", ready.Order())} through http_sd, the collector answers {string.Join(", ", answered.Order())}");
            }

            foreach (var (name, reason) in new[] { ("sim-1", "down"), ("sim-2", "stalled"), ("sim-4", "canary_failed"), ("sim-12", "down") })
            {
                Assert.DoesNotContain(name, ready);
                using var answer = await stack.Collector.GetAsync($"api/instances/{name}/ready");
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, answer.StatusCode);
                Assert.Equal(reason, (string?)(await answer.Content.ReadFromJsonAsync<JsonObject>())!["reason"]);
            }

            // The annotations of restarts and of version changes, run as Grafana runs them (a range query over the dashboard's
            // time): sim-8's crash loop and sim-7's new version.
            foreach (var (file, annotation, expr) in DashboardChecker.Annotations(DashboardChecker.Load(Path.Combine(Repository.Dashboards, "grafana", "dashboards"))))
            {
                var marked = (await stack.QueryRangeAsync(expr, faultsBegan)).Select(r => (string)r!["metric"]!["comfyui_instance"]!).ToHashSet();
                Assert.Contains(annotation == "Restarts" ? "sim-8" : "sim-7", marked);
            }

            // Every panel query of every dashboard returns data in this setup.
            var empty = new List<string>();
            foreach (var (file, panel, expr) in DashboardChecker.Queries(DashboardChecker.Load(Path.Combine(Repository.Dashboards, "grafana", "dashboards"))))
            {
                if ((await stack.QueryAsync(expr)).Count == 0)
                {
                    empty.Add($"{file} / {panel}: {expr}");
                }
            }

            Assert.True(empty.Count == 0, "queries without data:\n" + string.Join("\n", empty));

            // The instance lists of the dashboards, narrowed by a target filter as a user types it.
            foreach (var (file, selector) in DashboardChecker.InstanceVariableSelectors(DashboardChecker.Load(Path.Combine(Repository.Dashboards, "grafana", "dashboards"))))
            {
                var names = (await stack.QueryAsync(selector.Replace("$target_filter", "pool=\"sdxl\",hostname=~\"gpu-node-[0-3]\"", StringComparison.Ordinal)))
                    .Select(r => (string)r!["metric"]!["comfyui_instance"]!).Distinct().Order();
                Assert.True(names.SequenceEqual(["sim-0", "sim-1", "sim-2", "sim-3"]), $"{file}: the filtered instance list is {string.Join(", ", names)}");
            }
        }
        finally
        {
            traffic.Cancel();
            await failing;
            await crashing;
        }

        // Recovery.
        foreach (var i in new[] { 1, 2, 3, 4, 5, 6, 9, 10, 11, 12 })
        {
            await sim.SetScenarioAsync(i, "healthy");
        }

        await stuck.PostJsonAsync("queue", new JsonObject { ["clear"] = true });
        await video.PostJsonAsync("queue", new JsonObject { ["clear"] = true });
        using (await sim.Control.PutAsync("instances/7/version/0.8.0", null))
        using (await sim.Control.PutAsJsonAsync("instances/7/extensions", sim.Fleet.Instances[0].Extensions))
        using (await sim.Control.PutAsJsonAsync("instances/7/models/checkpoints", sim.Fleet.Instances[0].ModelFiles("checkpoints")))
        {
        }

        await WaitForAsync(stack, alerts => !Expected.Any(alerts.ContainsKey), TimeSpan.FromSeconds(180), "every alert resolved");
    }

    private static async Task<Dictionary<(string Alert, string Instance), (string State, int InhibitedBy)>> WaitForAsync(
        MonitoringStack stack, Func<Dictionary<(string Alert, string Instance), (string State, int InhibitedBy)>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Dictionary<(string, string), (string, int)> alerts = [];
        while (DateTime.UtcNow < deadline)
        {
            alerts = await stack.AlertStatesAsync();
            if (condition(alerts))
            {
                return alerts;
            }

            await Task.Delay(1000);
        }

        throw new TimeoutException($"never saw {what}; Alertmanager holds: {string.Join(", ", alerts.Keys.Order())}\n"
            + $"missing: {string.Join(", ", Expected.Concat(Suppressed).Where(e => !alerts.ContainsKey(e)))}\n{stack.Failures()}");
    }
}
