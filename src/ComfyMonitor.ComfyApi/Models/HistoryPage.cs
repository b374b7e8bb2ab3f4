using System.Text.Json.Serialization;
using ComfyMonitor.ComfyApi.Json;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>GET /history or /history/{id}: entries in the server's order (oldest first).</summary>
[JsonConverter(typeof(HistoryPageConverter))]
public sealed class HistoryPage
{
    public IReadOnlyList<HistoryEntry> Entries { get; init; } = [];

    public HistoryEntry? Find(string promptId) => Entries.FirstOrDefault(e => e.PromptId == promptId);
}
