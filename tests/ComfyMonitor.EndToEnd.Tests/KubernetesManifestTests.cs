using System.Text.Json;
using ComfyMonitor.Testing;
using YamlDotNet.RepresentationModel;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>
/// deploy/kubernetes, checked offline: <c>kubectl kustomize</c> renders the base and the example overlay, every object
/// validates against the Kubernetes and prometheus-operator schemas (npm kubernetes-models), the PrometheusRule holds
/// every rule of dashboards/prometheus and passes promtool (its checks and the alerts' unit tests), the dashboard
/// ConfigMaps hold dashboards/grafana as they are, and the workloads are sharded, non-root and probed as documented.
/// </summary>
[Collection(Tool.PromtoolUnitTests)] // each runs the alerts' unit tests (~25 s of CPU): one after the other, not on both cores at once
public sealed class KubernetesManifestTests
{
    private static readonly string Deploy = Path.Combine(Repository.Root, "deploy", "kubernetes");
    private static readonly string Schemas = Path.Combine(Repository.Root, "tests", "kubernetes-schemas");

    public static TheoryData<string> Renderings() => new() { "", "overlays/example" };

    [Fact]
    public async Task TheBaseRendersTheWorkloadsServiceMonitorsRulesAndDashboards()
    {
        var objects = await RenderAsync("");
        Assert.Equal(["comfymonitor-collector", "comfymonitor-probe"], Names(objects, "StatefulSet"));
        Assert.Equal(["comfymonitor-collector", "comfymonitor-probe"], Names(objects, "ServiceMonitor"));
        Assert.Equal(["comfymonitor-collector", "comfymonitor-probe"], Names(objects, "Service"));
        Assert.Equal(["comfymonitor"], Names(objects, "PrometheusRule"));

        // Every dashboard of dashboards/grafana, as it is, in a ConfigMap Grafana's sidecar loads.
        var sources = Directory.GetFiles(Path.Combine(Repository.Dashboards, "grafana", "dashboards"), "*.json");
        var dashboards = objects.Where(o => Kind(o) == "ConfigMap" && Labels(o).GetValueOrDefault("grafana_dashboard") == "1").ToList();
        Assert.Equal(sources.Length, dashboards.Count);
        foreach (var source in sources)
        {
            var holder = Assert.Single(dashboards, d => ((YamlMappingNode)d["data"]).Children.ContainsKey(Path.GetFileName(source)));
            Assert.Equal(File.ReadAllText(source), Scalar(holder, "data", Path.GetFileName(source)));
        }
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public async Task EveryObjectValidatesAgainstTheKubernetesAndPrometheusOperatorSchemas(string path)
    {
        var (exit, output) = await ValidateAsync(await KustomizeAsync(path));
        Assert.True(exit == 0, output);
        Assert.DoesNotContain("INVALID", output, StringComparison.Ordinal);
        Assert.Contains("valid StatefulSet", output, StringComparison.Ordinal);
        Assert.Contains("valid PrometheusRule", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSchemaCheckCatchesABrokenObject()
    {
        var broken = (await KustomizeAsync("")).Replace("replicas: 1", "replicas: one", StringComparison.Ordinal).Replace("interval: 15s", "interval: often", StringComparison.Ordinal);
        var (exit, output) = await ValidateAsync(broken);
        Assert.Equal(1, exit);
        Assert.Contains("INVALID StatefulSet comfymonitor-collector", output, StringComparison.Ordinal);
        Assert.Contains("INVALID ServiceMonitor comfymonitor-probe", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePrometheusRuleHoldsEveryRuleOfDashboardsAndPassesPromtoolAndTheAlertTests()
    {
        var rule = Assert.Single(await RenderAsync(""), o => Kind(o) == "PrometheusRule");
        var work = Directory.CreateTempSubdirectory("comfymonitor-k8s-rules-").FullName;
        try
        {
            // The rule file Prometheus would load from the PrometheusRule: its spec (groups).
            var file = Path.Combine(work, "prometheusrule.yml");
            await using (var writer = new StreamWriter(file))
            {
                new YamlStream(new YamlDocument((YamlMappingNode)rule["spec"])).Save(writer, assignAnchors: false);
            }

            var prometheus = Path.Combine(Repository.Dashboards, "prometheus");
            Assert.Equal(
                AlertRules.Load(Path.Combine(prometheus, "alerts.yml")).Select(a => a.Name).Order(StringComparer.Ordinal),
                AlertRules.Load(file).Select(a => a.Name).Order(StringComparer.Ordinal));
            Assert.Equal([.. RecordNames(Path.Combine(prometheus, "rules.yml")), .. RecordNames(Path.Combine(prometheus, "alerts.yml"))], RecordNames(file));

            var (checkExit, check, checkErrors) = await Tool.RunAsync("promtool", ["check", "rules", file], work);
            Assert.True(checkExit == 0, check + checkErrors);

            // The alerts' unit tests (recall and precision) against the rules as the PrometheusRule carries them.
            foreach (var tests in new[] { "alerts_test.yml", "alerts_test_long.yml" })
            {
                var text = File.ReadAllText(Path.Combine(prometheus, tests)).Replace("rule_files:\n- rules.yml\n- alerts.yml\n", "rule_files:\n- prometheusrule.yml\n", StringComparison.Ordinal);
                Assert.Contains("- prometheusrule.yml", text, StringComparison.Ordinal);
                File.WriteAllText(Path.Combine(work, tests), text);
            }

            var (testExit, test, testErrors) = await Tool.RunAsync("promtool", ["test", "rules", "alerts_test.yml", "alerts_test_long.yml"], work);
            Assert.True(testExit == 0, test + testErrors);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task TheGeneratedPartsAreWhatGenerateShMakesOfDashboards()
    {
        var fresh = Directory.CreateTempSubdirectory("comfymonitor-k8s-generated-").FullName;
        try
        {
            var (exit, output, errors) = await Tool.RunAsync(Path.Combine(Deploy, "generate.sh"), [fresh], Deploy);
            Assert.True(exit == 0, output + errors);
            var generated = Directory.GetFiles(fresh, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(fresh, f)).Order(StringComparer.Ordinal).ToList();
            Assert.Contains("prometheusrule.yaml", generated);
            foreach (var file in generated)
            {
                var committed = Path.Combine(Deploy, "base", file);
                Assert.True(File.Exists(committed) && File.ReadAllText(committed) == File.ReadAllText(Path.Combine(fresh, file)),
                    $"deploy/kubernetes/base/{file} differs from dashboards/: run deploy/kubernetes/generate.sh");
            }

            Assert.Equal(generated.Count(f => f.StartsWith("dashboards", StringComparison.Ordinal)), Directory.GetFiles(Path.Combine(Deploy, "base", "dashboards")).Length);
        }
        finally
        {
            Directory.Delete(fresh, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public async Task TheWorkloadsAreShardedByOrdinalNonRootReadOnlyProbedAndReadTheWebConfigFromASecret(string path)
    {
        var objects = await RenderAsync(path);
        foreach (var (name, section, port) in new[] { ("comfymonitor-collector", "Collector", "9464"), ("comfymonitor-probe", "Probe", "9465") })
        {
            var set = Assert.Single(objects, o => Kind(o) == "StatefulSet" && Scalar(o, "metadata", "name") == name);
            var pod = (YamlMappingNode)((YamlMappingNode)set["spec"])["template"]["spec"];
            var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Single();
            var env = ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"));

            // Shard index = the pod's ordinal; shard count = replicas.
            Assert.Equal("metadata.labels['apps.kubernetes.io/pod-index']", Scalar(env[$"{section}__Shard__Index"], "valueFrom", "fieldRef", "fieldPath"));
            Assert.Equal(Scalar(set, "spec", "replicas"), Scalar(env[$"{section}__Shard__Count"], "value"));

            Assert.Equal("true", Scalar(pod, "securityContext", "runAsNonRoot"));
            Assert.NotEqual("0", Scalar(pod, "securityContext", "runAsUser"));
            Assert.Equal("true", Scalar(container, "securityContext", "readOnlyRootFilesystem"));
            Assert.Equal("false", Scalar(container, "securityContext", "allowPrivilegeEscalation"));
            Assert.Equal("/health", Scalar(container, "readinessProbe", "httpGet", "path"));
            Assert.Equal("/alive", Scalar(container, "livenessProbe", "httpGet", "path"));
            Assert.NotEmpty(Scalar(container, "resources", "requests", "memory"));
            Assert.NotEmpty(Scalar(container, "resources", "limits", "memory"));
            Assert.Equal(port, Scalar((YamlMappingNode)((YamlSequenceNode)container["ports"])[0], "containerPort"));

            // --web.config.file names a file of the mounted Secret.
            var args = ((YamlSequenceNode)container["args"]).Select(a => ((YamlScalarNode)a).Value!).ToList();
            var webConfig = args[args.IndexOf("--web.config.file") + 1];
            var mount = ((YamlSequenceNode)container["volumeMounts"]).Cast<YamlMappingNode>().Single(m => webConfig.StartsWith(Scalar(m, "mountPath") + "/", StringComparison.Ordinal));
            var volume = ((YamlSequenceNode)pod["volumes"]).Cast<YamlMappingNode>().Single(v => Scalar(v, "name") == Scalar(mount, "name"));
            var secret = Scalar(volume, "secret", "secretName");
            Assert.Contains(objects, o => Kind(o) == "Secret" && Scalar(o, "metadata", "name") == secret
                && ((YamlMappingNode)o["data"]).Children.ContainsKey(Path.GetFileName(webConfig)));
        }
    }

    [Fact]
    public async Task TheExampleOverlayScrapesWithTheBasicAuthUserOfItsWebConfig()
    {
        var objects = await RenderAsync("overlays/example");
        Assert.All(objects.Where(o => Kind(o) is "ServiceMonitor" or "PrometheusRule"), o => Assert.Equal("kube-prometheus-stack", Labels(o)["release"]));
        var web = Assert.Single(objects, o => Kind(o) == "Secret" && Scalar(o, "metadata", "name") == "comfymonitor-web");
        var config = ComfyMonitor.Hosting.Web.WebConfig.Parse(Base64(Scalar(web, "data", "web.yml")), Path.GetTempPath());
        var auth = Assert.Single(objects, o => Kind(o) == "Secret" && Scalar(o, "metadata", "name") == "comfymonitor-scrape-auth");
        var user = Base64(Scalar(auth, "data", "username"));
        Assert.True(BCrypt.Net.BCrypt.Verify(Base64(Scalar(auth, "data", "password")), config.Users[user]), "the scrape password matches the web configuration's hash");
        foreach (var monitor in objects.Where(o => Kind(o) == "ServiceMonitor"))
        {
            var endpoint = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)monitor["spec"])["endpoints"])[0];
            Assert.Equal("comfymonitor-scrape-auth", Scalar(endpoint, "basicAuth", "username", "name"));
        }

        static string Base64(string value) => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(string.Concat(value.Where(c => !char.IsWhiteSpace(c)))));
    }

    [Theory]
    [InlineData("ComfyMonitor.Collector", "comfymonitor-collector", "9464")]
    [InlineData("ComfyMonitor.Probe", "comfymonitor-probe", "9465")]
    public async Task TheContainerImagesAreNamedAsTheManifestsExpectAndRunAsNonRoot(string project, string image, string port)
    {
        var (exit, output, errors) = await Tool.RunAsync("dotnet", ["msbuild", Path.Combine(Repository.Root, "src", project, project + ".csproj"),
            "-getProperty:ContainerRepository", "-getProperty:ContainerUser", "-getProperty:ContainerImageTag", "-getItem:ContainerPort", "-getItem:ContainerLabel"], Repository.Root);
        Assert.True(exit == 0, output + errors);
        using var json = JsonDocument.Parse(output);
        var properties = json.RootElement.GetProperty("Properties");
        Assert.Equal(image, properties.GetProperty("ContainerRepository").GetString());
        Assert.Equal("app", properties.GetProperty("ContainerUser").GetString());
        Assert.Equal(ComfyMonitor.Hosting.BuildVersion.Version, properties.GetProperty("ContainerImageTag").GetString());
        Assert.Equal(port, json.RootElement.GetProperty("Items").GetProperty("ContainerPort")[0].GetProperty("Identity").GetString());
        Assert.Contains(json.RootElement.GetProperty("Items").GetProperty("ContainerLabel").EnumerateArray(), l => l.GetProperty("Identity").GetString() == "org.opencontainers.image.source");

        var set = Assert.Single(await RenderAsync(""), o => Kind(o) == "StatefulSet" && Scalar(o, "metadata", "name") == image);
        var container = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)set["spec"])["template"]["spec"]["containers"])[0];
        Assert.Equal($"{image}:{ComfyMonitor.Hosting.BuildVersion.Version}", Scalar(container, "image"));
    }

    private static async Task<string> KustomizeAsync(string path)
    {
        var (exit, output, errors) = await Tool.RunAsync("kubectl", ["kustomize", Path.Combine(Deploy, path)], Repository.Root);
        Assert.True(exit == 0, $"kubectl kustomize deploy/kubernetes/{path} failed:\n{output}{errors}");
        return output;
    }

    /// <summary>The objects <c>kubectl kustomize</c> renders of deploy/kubernetes/<paramref name="path"/>.</summary>
    internal static async Task<List<YamlMappingNode>> RenderAsync(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(await KustomizeAsync(path)));
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    private static async Task<(int Exit, string Output)> ValidateAsync(string manifests)
    {
        Assert.True(Directory.Exists(Path.Combine(Schemas, "node_modules")), "tests/kubernetes-schemas has no node_modules: run ./test.sh (it runs npm ci there)");
        var (exit, output, errors) = await Tool.RunAsync("node", [Path.Combine(Schemas, "validate.mjs")], Schemas, input: manifests);
        return (exit, output + errors);
    }

    private static string Kind(YamlMappingNode o) => Scalar(o, "kind");

    private static List<string> Names(List<YamlMappingNode> objects, string kind) =>
        objects.Where(o => Kind(o) == kind).Select(o => Scalar(o, "metadata", "name")).Order(StringComparer.Ordinal).ToList();

    private static Dictionary<string, string> Labels(YamlMappingNode o) =>
        ((YamlMappingNode)o["metadata"]).Children.TryGetValue("labels", out var l)
            ? ((YamlMappingNode)l).Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ((YamlScalarNode)p.Value).Value ?? "")
            : [];

    private static List<string> RecordNames(string rulesFile)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(rulesFile)));
        return ((YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode)["groups"]).Cast<YamlMappingNode>()
            .SelectMany(g => ((YamlSequenceNode)g["rules"]).Cast<YamlMappingNode>())
            .Where(r => r.Children.ContainsKey("record")).Select(r => Scalar(r, "record")).ToList();
    }

    /// <summary>The scalar at the path of keys, or "" where the path does not lead to one.</summary>
    internal static string Scalar(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(key, out var next))
            {
                return "";
            }

            node = next;
        }

        return (node as YamlScalarNode)?.Value ?? "";
    }
}
