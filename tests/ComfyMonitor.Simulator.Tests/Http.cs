using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Tests;

/// <summary>Raw HTTP helpers: the simulator's contract is checked at the wire, not through the client.</summary>
internal static class Http
{
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
}
