using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.Collector.State;

/// <summary>
/// Tells a restarted ComfyUI process from what it hands out: the server numbers prompts from 0 again when it starts
/// (the number grows by one for every POST /prompt, negated for front-of-queue ones) and forgets its history and
/// queue. A prompt never seen before whose number is no higher than one already seen, while none of the history seen
/// before is left, is a restart. A cleared history or queue keeps the numbers growing, so it is none; a client that
/// sets its own priority ("number") while the history was cleared is the one case that would be miscounted.
/// A restart is seen with the first prompt after it that a cycle sees: on an idle instance, when work comes back.
/// </summary>
public sealed class RestartDetector
{
    private double _highest = -1;
    private HashSet<string> _queued = new(StringComparer.Ordinal);

    /// <summary>Folds one cycle in; true when it shows a restart.</summary>
    /// <param name="newHistory">History entries not seen before, in this cycle's read (null when the read failed).</param>
    /// <param name="historyKept">Whether this cycle's history read still holds an entry seen before.</param>
    /// <param name="queue">This cycle's queue, or null when it could not be read.</param>
    /// <param name="seenBefore">Whether an id was counted from the history before this cycle.</param>
    /// <param name="primed">Whether an earlier cycle has read the instance (the first one only learns the numbers).</param>
    public bool Observe(IReadOnlyList<HistoryEntry>? newHistory, bool historyKept, QueueState? queue, Func<string, bool> seenBefore, bool primed)
    {
        if (newHistory is null)
        {
            _queued = queue is null ? _queued : Ids(queue);
            return false;
        }

        var fresh = newHistory.Where(e => e.Prompt is not null && !_queued.Contains(e.PromptId)).Select(e => Math.Abs(e.Prompt!.Number))
            .Concat((queue?.Running ?? []).Concat(queue?.Pending ?? []).Where(i => !_queued.Contains(i.PromptId) && !seenBefore(i.PromptId)).Select(i => Math.Abs(i.Number)))
            .ToList();
        var restarted = primed && _highest >= 0 && !historyKept && fresh.Any(n => n <= _highest);
        var numbers = newHistory.Where(e => e.Prompt is not null).Select(e => Math.Abs(e.Prompt!.Number))
            .Concat((queue?.Running ?? []).Concat(queue?.Pending ?? []).Select(i => Math.Abs(i.Number)));
        _highest = numbers.Aggregate(restarted ? -1 : _highest, Math.Max);
        if (queue is not null)
        {
            _queued = Ids(queue);
        }

        return restarted;
    }

    private static HashSet<string> Ids(QueueState queue) => queue.Running.Concat(queue.Pending).Select(i => i.PromptId).ToHashSet(StringComparer.Ordinal);
}
