using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Fleet;

/// <summary>
/// The queue and the history as the routes read and change them: /queue, /history (paged, by id), the jobs API,
/// deletes, interrupts, and a history filled in bulk for load tests. All under the instance's one lock.
/// </summary>
public sealed partial class SimulatedInstance
{
    public JsonObject QueueJson()
    {
        lock (_lock)
        {
            return new JsonObject
            {
                ["queue_running"] = _running is null ? new JsonArray() : new JsonArray(_running.ToJson()),
                ["queue_pending"] = new JsonArray(_pending.Select(p => (JsonNode)p.ToJson()).ToArray()),
            };
        }
    }

    /// <summary>/history paging: newest <paramref name="maxItems"/>, or from <paramref name="offset"/> counted from the oldest.</summary>
    public JsonObject HistoryJson(int? maxItems, int? offset)
    {
        lock (_lock)
        {
            var result = new JsonObject();
            var count = _history.Count;
            int start;
            int take;
            if (offset is { } o)
            {
                start = Math.Max(0, o);
                take = maxItems ?? count;
            }
            else if (maxItems is { } m)
            {
                start = Math.Max(0, count - m);
                take = m;
            }
            else
            {
                start = 0;
                take = count;
            }

            for (var i = start; i < count && i < start + take; i++)
            {
                var (id, record) = _history.GetAt(i);
                result[id] = record.ToJson();
            }

            return result;
        }
    }

    /// <summary>The jobs API's view: pending and running prompts, then the history (success: completed, else failed).</summary>
    internal List<Http.Job> Jobs(string? only)
    {
        lock (_lock)
        {
            var jobs = new List<Http.Job>();
            jobs.AddRange(_pending.Where(p => only is null || p.PromptId == only).Select(p => new Http.Job(p.PromptId, "pending", p, null)));
            if (_running is { } running && (only is null || running.PromptId == only))
            {
                jobs.Add(new Http.Job(running.PromptId, "in_progress", running, null));
            }

            foreach (var (id, record) in _history)
            {
                if (only is null || id == only)
                {
                    jobs.Add(new Http.Job(id, record.StatusStr == "success" ? "completed" : "failed", record.Prompt, record));
                }
            }

            return jobs;
        }
    }

    public JsonObject HistoryEntryJson(string promptId)
    {
        lock (_lock)
        {
            return _history.TryGetValue(promptId, out var record) ? new JsonObject { [promptId] = record.ToJson() } : [];
        }
    }

    public void DeleteHistory(IEnumerable<string>? ids, bool clear)
    {
        lock (_lock)
        {
            if (clear)
            {
                _history.Clear();
            }

            foreach (var id in ids ?? [])
            {
                _history.Remove(id);
            }
        }
    }

    /// <summary>POST /queue: clear (always announced), then each id found pending is deleted (announced, heap re-made).</summary>
    public void DeletePending(IEnumerable<string>? ids, bool clear)
    {
        lock (_lock)
        {
            if (clear)
            {
                _pending.Clear();
                Hub.Broadcast(StatusMessage());
            }

            foreach (var id in ids ?? [])
            {
                var index = _pending.FindIndex(p => p.PromptId == id);
                if (index >= 0)
                {
                    _pending.RemoveAt(index);
                    PythonHeap.Heapify(_pending, Before);
                    Hub.Broadcast(StatusMessage());
                }
            }
        }
    }

    /// <summary>The queue's order: Python compares the tuples (number, prompt_id, ...) element by element.</summary>
    private static bool Before(QueuedPrompt a, QueuedPrompt b) =>
        a.Number != b.Number ? a.Number < b.Number : string.CompareOrdinal(a.PromptId, b.PromptId) < 0;

    /// <summary>With an id, only if it is the one running; without, whatever runs.</summary>
    public void Interrupt(string? promptId)
    {
        lock (_lock)
        {
            // A prompt_id is honoured since 0.3.57; older servers interrupt whatever runs.
            if (_running is not null && (promptId is null || !IsAtLeast("0.3.57") || _running.PromptId == promptId))
            {
                _interruptRequested = _running.PromptId;
            }
        }

        _wake.Release();
    }

    /// <summary>Fills the history with <paramref name="count"/> finished prompts that share one graph (cheap in memory).</summary>
    public void FillHistory(int count, JsonObject graph, JsonObject extra)
    {
        var outputs = new JsonObject { ["9"] = new JsonObject { ["images"] = new JsonArray(new JsonObject { ["filename"] = "ComfyUI_00001_.png", ["subfolder"] = "", ["type"] = "output" }) } };
        var now = NowMs;
        lock (_lock)
        {
            for (var i = 0; i < count; i++)
            {
                var id = Guid.NewGuid().ToString();
                var start = now - ((count - i) * 1000L);
                _history[id] = new HistoryRecord
                {
                    Prompt = new QueuedPrompt { Number = _counter++, PromptId = id, Prompt = graph, ExtraData = extra, OutputsToExecute = ["9"] },
                    Outputs = outputs,
                    Meta = [],
                    StatusStr = "success",
                    Completed = true,
                    Messages =
                    [
                        new JsonArray("execution_start", new JsonObject { ["prompt_id"] = id, ["timestamp"] = start }),
                        new JsonArray("execution_success", new JsonObject { ["prompt_id"] = id, ["timestamp"] = start + 800 }),
                    ],
                };
            }
        }
    }
}
