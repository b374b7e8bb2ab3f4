using System.Text.Json;
using ComfyMonitor.ComfyApi.Json;
using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.ComfyApi.Tests;

/// <summary>A prompt of the probe is told apart by its client id, which the client does not keep.</summary>
public sealed class ProbeMarkerTests
{
    [Theory]
    [InlineData("{\"client_id\":\"comfymonitor-probe-0123456789abcdef\",\"create_time\":5}", true)]
    [InlineData("{\"client_id\":\"comfymonitor-probe-\\u0030123\"}", true)]
    [InlineData("{\"client_id\":\"a-user-comfymonitor-probe-1\"}", false)]
    [InlineData("{\"client_id\":12}", false)]
    [InlineData("{}", false)]
    public void TheProbesPromptsAreMarkedAndTheirClientIdIsNotKept(string extraData, bool isProbe)
    {
        var item = JsonSerializer.Deserialize($"[3, \"id-1\", {{}}, {extraData}, [\"9\"]]", ComfyJsonContext.Default.QueueItem)!;
        Assert.Equal(isProbe, item.IsProbe);
        Assert.Equal("id-1", item.PromptId);
        var kept = JsonSerializer.Serialize(item, ComfyJsonContext.Default.QueueItem);
        Assert.DoesNotContain("0123456789abcdef", kept, StringComparison.Ordinal);
        Assert.DoesNotContain("a-user", kept, StringComparison.Ordinal);
        Assert.Equal(isProbe, JsonSerializer.Deserialize(kept, ComfyJsonContext.Default.QueueItem)!.IsProbe);
    }
}
