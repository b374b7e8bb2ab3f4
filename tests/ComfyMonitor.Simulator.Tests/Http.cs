using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Tests;

/// <summary>Raw HTTP helpers: the simulator's contract is checked at the wire, not through the client.</summary>
internal static class Http
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

    public static async Task<(int Status, JsonNode? Body)> UploadAsync(
        this HttpClient http, string path, byte[] content, string fileName, string subfolder = "", string? type = null, bool overwrite = false, string? originalRef = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", fileName);
        form.Add(new StringContent(subfolder), "subfolder");
        if (type is not null)
        {
            form.Add(new StringContent(type), "type");
        }

        form.Add(new StringContent(overwrite ? "true" : "false"), "overwrite");
        if (originalRef is not null)
        {
            form.Add(new StringContent(originalRef), "original_ref");
        }

        using var response = await http.PostAsync(path, form);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.StartsWith('{') ? JsonNode.Parse(text) : null);
    }

    /// <summary>Submits and waits until the prompt is in the history.</summary>
    public static async Task<JsonNode> RunAsync(this HttpClient http, JsonObject graph, TimeSpan? timeout = null)
    {
        var (status, body) = await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = graph });
        Assert.Equal(200, status);
        var id = (string)body!["prompt_id"]!;
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            var (_, history) = await http.GetJsonAsync($"history/{id}");
            if (history![id] is { } entry)
            {
                return entry;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"prompt {id} did not finish");
    }
}
