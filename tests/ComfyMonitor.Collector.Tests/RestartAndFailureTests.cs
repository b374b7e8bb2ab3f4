using ComfyMonitor.Collector.State;
using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.Collector.Tests;

/// <summary>
/// Restarts told from prompt numbers and a lost history, never from a cleared history or queue; failures sorted
/// into out_of_memory, model_missing and other from the exception type and message. Pure state, no server.
/// </summary>
public sealed class RestartAndFailureTests
{
    private static HistoryEntry Entry(string id, double number) => new() { PromptId = id, Prompt = new QueueItem { PromptId = id, Number = number } };

    private static QueueState Queue(params (string Id, double Number)[] running) =>
        new() { Running = [.. running.Select(r => new QueueItem { PromptId = r.Id, Number = r.Number })], Pending = [] };

    /// <summary>Feeds cycles of (whole history newest last, queue) to a detector as the collector would, counting restarts.</summary>
    private sealed class Server
    {
        private readonly RestartDetector _detector = new();
        private readonly HashSet<string> _seen = [];
        private bool _primed;

        public int Restarts { get; private set; }

        public void Cycle(IEnumerable<HistoryEntry> history, QueueState? queue = null)
        {
            var all = history.ToList();
            var kept = all.Any(e => _seen.Contains(e.PromptId));
            var fresh = all.Where(e => _seen.Add(e.PromptId)).ToList();
            Restarts += _detector.Observe(fresh, kept, queue ?? Queue(), _seen.Contains, _primed) ? 1 : 0;
            _primed = true;
        }
    }

    [Fact]
    public void NumbersStartingAgainWithTheHistoryGoneAreARestart()
    {
        var server = new Server();
        server.Cycle([Entry("a", 0), Entry("b", 1), Entry("c", 2)]);
        server.Cycle([Entry("a", 0), Entry("b", 1), Entry("c", 2), Entry("d", 3)]);
        Assert.Equal(0, server.Restarts);

        server.Cycle([]); // restarted: history empty, nothing to tell yet
        Assert.Equal(0, server.Restarts);
        server.Cycle([Entry("e", 0)]); // the first prompt after it: number 0 again
        Assert.Equal(1, server.Restarts);
        server.Cycle([Entry("e", 0), Entry("f", 1)]);
        Assert.Equal(1, server.Restarts);

        server.Cycle([], Queue(("g", -0.0))); // again, seen on a front-of-queue prompt that is running
        Assert.Equal(2, server.Restarts);
    }

    [Fact]
    public void ClearingTheHistoryOrTheQueueIsNoRestart()
    {
        var server = new Server();
        server.Cycle([Entry("a", 0), Entry("b", 1)], Queue(("q", 2)));
        server.Cycle([], Queue()); // history cleared, queue cleared (or the running prompt finished and was deleted)
        server.Cycle([Entry("c", 3)]); // numbers go on growing
        server.Cycle([Entry("c", 3), Entry("d", -4)]);
        Assert.Equal(0, server.Restarts);
    }

    [Fact]
    public void APromptQueuedLongAgoFinishingLateIsNoRestart()
    {
        var server = new Server();
        server.Cycle([Entry("a", 0)], Queue(("long", 1)));
        server.Cycle([Entry("a", 0), Entry("x", -2), Entry("y", -3)], Queue(("long", 1))); // canaries pass it at the front
        server.Cycle([Entry("long", 1)]); // the probe deleted its canaries: no entry seen before is left
        Assert.Equal(0, server.Restarts);
    }

    [Fact]
    public void TheFirstCycleOnlyLearnsTheNumbers()
    {
        var server = new Server();
        server.Cycle([Entry("old", 0)]);
        Assert.Equal(0, server.Restarts);
    }

    [Fact]
    public void TheProbesKeptEntryShowsEveryRestartOfAnInstanceNobodyElseUses()
    {
        // The probe keeps its newest canary in the history and deletes the one before when the next finishes: the
        // history holds one entry, a new one each run, with numbers that grow until the process restarts.
        var server = new Server();
        var number = 0;
        for (var restart = 1; restart <= 3; restart++)
        {
            for (var run = 0; run < 3; run++, number++)
            {
                server.Cycle([Entry($"canary-{restart}-{run}", -number)]); // at the front of the queue: negative
                server.Cycle([Entry($"canary-{restart}-{run}", -number)]);
            }

            Assert.Equal(restart - 1, server.Restarts);
            server.Cycle([]); // restarted: the kept entry is gone
            number = 0;
        }

        server.Cycle([Entry("canary-after", -0.0)]);
        Assert.Equal(3, server.Restarts);
    }

    [Theory]
    [InlineData("torch.OutOfMemoryError", "Allocation on device", FailureCategory.OutOfMemory)]
    [InlineData("torch.cuda.OutOfMemoryError", "CUDA out of memory. Tried to allocate 2.00 GiB", FailureCategory.OutOfMemory)]
    [InlineData("RuntimeError", "MPS backend out of memory (MPS allocated: 17.00 GB)", FailureCategory.OutOfMemory)]
    [InlineData("RuntimeError", "HIP out of memory. Tried to allocate 512.00 MiB", FailureCategory.OutOfMemory)]
    [InlineData("RuntimeError", "[enforce fail at alloc_cpu.cpp:114] data. DefaultCPUAllocator: not enough memory: you tried to allocate 1073741824 bytes.", FailureCategory.OutOfMemory)]
    [InlineData("RuntimeError", "CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`", FailureCategory.OutOfMemory)]
    [InlineData("FileNotFoundError", "[Errno 2] No such file or directory: 'models/checkpoints/sdxl.safetensors'", FailureCategory.ModelMissing)]
    [InlineData("builtins.FileNotFoundError", "", FailureCategory.ModelMissing)]
    [InlineData("RuntimeError", "Error(s) in loading state_dict for UNetModel", FailureCategory.Other)]
    [InlineData("ValueError", "a custom node's own complaint", FailureCategory.Other)]
    [InlineData(null, null, FailureCategory.Other)]
    public void FailuresAreSortedByTypeAndMessage(string? type, string? message, string category) =>
        Assert.Equal(category, FailureCategory.Of(type is null ? null : new StatusMessage { Event = StatusMessage.ExecutionError, ExceptionType = type, ExceptionMessage = message }));
}
