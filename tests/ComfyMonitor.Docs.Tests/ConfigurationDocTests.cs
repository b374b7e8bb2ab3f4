using ComfyMonitor.Collector;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Docs.Tests;

/// <summary>docs/configuration.md says what the options classes say: every key, its type, its default and its meaning.</summary>
public sealed class ConfigurationDocTests
{
    [Fact]
    public void TheConfigurationReferenceIsWhatTheOptionsClassesSay() =>
        GeneratedDocs.Check(ConfigurationReference.Document, ConfigurationReference.Regions(ConfigurationReference.FromCode()));

    [Fact]
    public void EveryKeyHasAMeaningFromItsDocComment() =>
        Assert.Empty(ConfigurationReference.FromCode().Where(k => k.Meaning.Length == 0).Select(k => k.Key));

    [Fact]
    public void EveryOptionsClassOfTheServicesIsInTheReference()
    {
        var options = ConfigurationReference.Assemblies.SelectMany(a => a.GetExportedTypes())
            .Where(t => t.IsClass && t.Name.EndsWith("Options", StringComparison.Ordinal) && t.GetConstructor(Type.EmptyTypes) is not null);
        Assert.Empty(options.Except(ConfigurationReference.Documented()).Select(t => t.FullName));
    }

    [Fact]
    public void KeysAreNamedAsTheConfigurationBindsThemWithTheOptionsClassesDefaults()
    {
        var keys = ConfigurationReference.FromCode().ToDictionary(k => k.Key);
        Assert.Equal(("duration", new CollectorOptions().Interval.ToString("c", null)), (keys["Collector:Interval"].Type, keys["Collector:Interval"].Default));
        Assert.Equal("integer", keys["Collector:OutputChecks:Every"].Type);
        Assert.Equal("true", keys["Probe:Canaries:NAME:Enabled"].Default);
        Assert.Equal("—", keys["ComfyUI:Instances:N:Url"].Default);
        Assert.Contains("ComfyUI:Instances:N:Headers:NAME", keys.Keys);
        Assert.Contains("ComfyUI:Pools:NAME:StallAfter", keys.Keys);
        Assert.Contains("Probe:Custom:N:Workflow", keys.Keys);
        Assert.Contains("Web:ConfigFile", keys.Keys);
        Assert.Contains("Simulator:Instances", keys.Keys);
        Assert.Equal(["Collector:Shard:Count", "Collector:Shard:Index", "Probe:Shard:Count", "Probe:Shard:Index"], keys.Keys.Where(k => k.Contains(":Shard:", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        // A see cref to another property names its key.
        Assert.Contains("`Collector:MaxLearnedStallAfter`", keys["Collector:StallAfter"].Meaning, StringComparison.Ordinal);
    }

    [Fact]
    public void AKeyAddedInTheCodeIsReportedMissingFromTheDocument()
    {
        var keys = ConfigurationReference.FromCode();
        keys.Insert(keys.FindIndex(k => k.Key == "Collector:Timeout"), new ConfigKey("collector", "Collector:Jitter", "duration", "00:00:01", "Spread of the first scrapes."));
        Assert.Equal(["Collector:Jitter: in the code, not in docs/configuration.md"], Drift(keys));
    }

    [Fact]
    public void AKeyRemovedFromTheCodeIsReportedAsLeftInTheDocument()
    {
        var keys = ConfigurationReference.FromCode();
        keys.RemoveAll(k => k.Key == "Probe:Subfolder");
        Assert.Equal(["Probe:Subfolder: in docs/configuration.md, not in the code"], Drift(keys));
    }

    [Fact]
    public void AChangedDefaultIsReportedWithBothValues()
    {
        var keys = ConfigurationReference.FromCode();
        var i = keys.FindIndex(k => k.Key == "Collector:Interval");
        keys[i] = keys[i] with { Default = "00:00:30" };
        var drift = Assert.Single(Drift(keys));
        Assert.StartsWith("Collector:Interval: the code says \"| `Collector:Interval` | duration | 00:00:30 |", drift, StringComparison.Ordinal);
        Assert.Contains("docs/configuration.md says \"| `Collector:Interval` | duration | 00:00:15 |", drift, StringComparison.Ordinal);
    }

    [Fact]
    public void AChangedMeaningOrTypeIsReported()
    {
        var keys = ConfigurationReference.FromCode();
        var i = keys.FindIndex(k => k.Key == "Web:AuthenticateHealthEndpoints");
        keys[i] = keys[i] with { Type = "string" };
        Assert.StartsWith("Web:AuthenticateHealthEndpoints: the code says", Assert.Single(Drift(keys)), StringComparison.Ordinal);
    }

    /// <summary>How the reference, as the current code writes it, differs from <paramref name="keys"/>.</summary>
    private static List<string> Drift(IEnumerable<ConfigKey> keys)
    {
        var current = GeneratedDocs.Apply(File.ReadAllText(Path.Combine(Repository.Root, ConfigurationReference.Document)),
            ConfigurationReference.Regions(ConfigurationReference.FromCode()));
        return GeneratedDocs.Drift(ConfigurationReference.Regions(keys), current, ConfigurationReference.Document);
    }
}
