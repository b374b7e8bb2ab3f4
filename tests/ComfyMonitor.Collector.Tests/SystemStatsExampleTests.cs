using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>Each /system_stats example of v0.2.2 to 0.8.x, served as-is, yields build_info and memory series equal to the file.</summary>
public sealed class SystemStatsExampleTests
{
    public static TheoryData<string> Files() =>
        [.. Directory.EnumerateFiles(TestPaths.Examples, "system_stats_*.json").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(Files))]
    public async Task ServedAsIsTheExampleYieldsItsValues(string file)
    {
        await using var server = await ExampleServer.StartAsync();
        server.ServeFile("/system_stats", file);
        await using var collector = await CollectorHost.StartAsync([server.Url], TimeSpan.FromMilliseconds(300));
        var instance = $"127.0.0.1:{server.Url.Port}";
        var m = await collector.WaitForMetricsAsync(m => m.Value("comfyui_up", instance) == 1, what: "the instance up");

        var expected = JsonNode.Parse(await File.ReadAllTextAsync(TestPaths.Example(file)))!;
        var system = expected["system"]!;
        var build = Assert.Single(m.For("comfyui_build_info", instance)).Labels;
        Assert.Equal((string)system["comfyui_version"]!, build["comfyui_version"]);
        Assert.Equal(((string)system["python_version"]!).Split(' ')[0], build["python_version"]);
        Assert.Equal((string)system["pytorch_version"]!, build["pytorch_version"]);
        Assert.Equal((string)system["os"]!, build["os"]);
        Assert.Equal(((bool)system["embedded_python"]!) ? "true" : "false", build["embedded_python"]);
        Assert.Equal((double)(long)system["ram_total"]!, m.Value("comfyui_system_ram_total_bytes", instance));
        Assert.Equal((double)(long)system["ram_free"]!, m.Value("comfyui_system_ram_free_bytes", instance));

        var device = expected["devices"]![0]!;
        (string, string)[] labels = [("device", (string)device["name"]!), ("device_type", (string)device["type"]!)];
        Assert.Equal((double)(long)device["vram_total"]!, m.Value("comfyui_device_vram_total_bytes", instance, labels));
        Assert.Equal((double)(long)device["vram_free"]!, m.Value("comfyui_device_vram_free_bytes", instance, labels));
        Assert.Equal((double)(long)device["torch_vram_total"]!, m.Value("comfyui_device_torch_vram_total_bytes", instance, labels));
        Assert.Equal((double)(long)device["torch_vram_free"]!, m.Value("comfyui_device_torch_vram_free_bytes", instance, labels));
    }
}
