using ComfyMonitor.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ComfyMonitor.Hosting.Tests;

/// <summary>Settings read while the services are built fall back quietly; the start-up check then reports every problem at once.</summary>
public sealed class SettingsTests
{
    [Theory]
    [InlineData("5", 5)]
    [InlineData(" 7 ", 7)]
    [InlineData("0", 64)]
    [InlineData("-3", 64)]
    [InlineData("many", 64)]
    [InlineData(null, 64)]
    public void LenientSettingsFallBackOnWhatTheyCannotUse(string? value, int expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["X:Max"] = value }).Build();
        Assert.Equal(expected, LenientSettings.PositiveInt(configuration, "X:Max", 64));
    }

    [Fact]
    public void TheStartUpCheckReportsTheProblemsOfEveryOptionsTypeTogether()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["A:Count"] = "0",
            ["B:Every"] = "five seconds",
        }).Build();
        var services = new ServiceCollection();
        services.AddOptions<AOptions>().Bind(configuration.GetSection("A")).Validate(a => a.Count > 0, "A:Count must be positive");
        services.AddOptions<BOptions>().Bind(configuration.GetSection("B"));
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => OptionsCheck.ThrowIfInvalid(provider, typeof(AOptions), typeof(BOptions)));
        Assert.Equal(2, ex.Failures.Count());
        Assert.Contains("A:Count must be positive", ex.Failures);
        Assert.Contains(ex.Failures, f => f.Contains("'B:Every'", StringComparison.Ordinal));
    }

    public sealed class AOptions
    {
        public int Count { get; set; }
    }

    public sealed class BOptions
    {
        public TimeSpan Every { get; set; }
    }
}
