using System.Text;
using System.Text.Json.Nodes;

namespace ComfyMonitor.Testing;

/// <summary>Raw HTTP helpers for driving a simulated instance in tests.</summary>
internal static class SimulatorHttp
{
    public static async Task<(int Status, JsonNode? Body)> GetJsonAsync(this HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length > 0 && text[0] is '{' or '[' ? JsonNode.Parse(text) : null);
    }

    public static async Task<(int Status, JsonNode? Body)> PostJsonAsync(this HttpClient http, string path, JsonNode body) =>
        await http.PostRawAsync(path, body.ToJsonString());

    public static async Task<(int Status, JsonNode? Body)> PostRawAsync(this HttpClient http, string path, string body)
    {
        using var response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length > 0 && text[0] is '{' or '[' ? JsonNode.Parse(text) : null);
    }

    /// <summary>Submits and waits until the prompt is in the history.</summary>
    public static async Task<JsonNode> RunAsync(this HttpClient http, JsonObject graph, TimeSpan? timeout = null, JsonObject? extra = null) =>
        await http.WaitForHistoryAsync(await http.SubmitAsync(graph, extra), timeout);

    /// <summary>POST /prompt with <paramref name="graph"/> and the body fields of <paramref name="extra"/>; the prompt id.</summary>
    public static async Task<string> SubmitAsync(this HttpClient http, JsonObject graph, JsonObject? extra = null)
    {
        var body = new JsonObject { ["prompt"] = graph };
        foreach (var (k, v) in extra ?? [])
        {
            body[k] = v?.DeepClone();
        }

        var (status, response) = await http.PostJsonAsync("prompt", body);
        if (status != 200)
        {
            throw new InvalidOperationException($"POST /prompt answered {status}: {response?.ToJsonString()}");
        }

        return (string)response!["prompt_id"]!;
    }

    /// <summary>The prompt's history entry, once it has one (60 s unless told otherwise).</summary>
    public static async Task<JsonNode> WaitForHistoryAsync(this HttpClient http, string id, TimeSpan? timeout = null)
    {
        JsonNode? entry = null;
        await WaitUntilAsync(async () => (entry = (await http.GetJsonAsync($"history/{id}")).Body?[id]) is not null, timeout, $"prompt {id} did not finish");
        return entry!;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; a TimeoutException saying <paramref name="failure"/> after the deadline (60 s unless told otherwise).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string failure = "the condition never held")
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(failure);
            }

            await Task.Delay(25);
        }
    }

    /// <summary>The id of the prompt the instance runs now, or null.</summary>
    public static async Task<string?> RunningAsync(this HttpClient http) =>
        (string?)(await http.GetJsonAsync("queue")).Body!["queue_running"]!.AsArray().FirstOrDefault()?[1];

    /// <summary>
    /// Waits until the worker runs <paramref name="id"/> (60 s unless told otherwise): it takes a submitted prompt from the
    /// queue a moment after POST /prompt has answered, and an interrupt naming a prompt that does not run yet is a no-op.
    /// </summary>
    public static Task WaitUntilRunningAsync(this HttpClient http, string id, TimeSpan? timeout = null) =>
        WaitUntilAsync(async () => await http.RunningAsync() == id, timeout, $"{id} never ran");

    /// <summary>
    /// Waits until <paramref name="id"/> runs, then asserts that it still runs on every one of <paramref name="readings"/>
    /// reads of the queue, 50 ms apart; a simulated node takes 50 ms in the tests, so a prompt that could end would end.
    /// </summary>
    public static async Task StaysRunningAsync(this HttpClient http, string id, int readings = 20)
    {
        await http.WaitUntilRunningAsync(id, TimeSpan.FromSeconds(30));

        for (var i = 0; i < readings; i++)
        {
            Assert.Equal(id, await http.RunningAsync());
            await Task.Delay(50);
        }
    }
}
