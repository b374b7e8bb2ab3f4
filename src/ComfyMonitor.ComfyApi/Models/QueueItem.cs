using System.Text.Json.Serialization;
using ComfyMonitor.ComfyApi.Json;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>
/// A queue item or a history entry's "prompt": <c>[number, prompt_id, prompt, extra_data, outputs_to_execute]</c>.
/// Only what monitoring needs is kept. The prompt graph and extra_data (users' prompts, workflows,
/// client ids and, on some versions, API keys) are skipped while parsing and never held in memory.
/// </summary>
[JsonConverter(typeof(QueueItemConverter))]
public sealed class QueueItem
{
    /// <summary>Priority: int or float, negative for "front" submissions. Not a job id.</summary>
    public double Number { get; init; }

    public string PromptId { get; init; } = "";

    /// <summary><c>extra_data.create_time</c> (epoch ms, v0.3.69+), when the server sets it.</summary>
    public long? CreateTimeMs { get; init; }

    /// <summary>Ids of the output nodes that passed validation.</summary>
    public IReadOnlyList<string> OutputsToExecute { get; init; } = [];

    /// <summary>
    /// The client id every ComfyMonitor probe prompt carries at the start of its <c>client_id</c> (a GUID follows): the
    /// collector counts those prompts apart from users' prompts.
    /// </summary>
    public const string ProbeClientIdPrefix = "comfymonitor-probe-";

    /// <summary>Whether extra_data.client_id starts with <see cref="ProbeClientIdPrefix"/>: the client id itself is not kept.</summary>
    public bool IsProbe { get; init; }

    /// <summary>
    /// A 64-bit hash of <c>extra_data.client_id</c> under a seed drawn at random by each process (null without a client
    /// id): tells one client's prompts from another's, for counting, while the id itself is never kept and the hash means
    /// nothing outside this process.
    /// </summary>
    public ulong? ClientKey { get; init; }

    /// <summary>The node class types of the graph, only when the caller asked for them.</summary>
    public IReadOnlyList<string>? NodeTypes { get; init; }
}
