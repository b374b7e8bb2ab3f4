using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.Collector.State;

/// <summary>
/// What kind of failure a failed prompt was, for <c>comfyui_prompt_failures_total{category}</c>: out of memory, a model
/// (or other file) missing, or anything else. The exception message is read only to classify: it is never exported.
/// </summary>
public static class FailureCategory
{
    public const string OutOfMemory = "out_of_memory";
    public const string ModelMissing = "model_missing";
    public const string Other = "other";

    public static readonly IReadOnlyList<string> All = [OutOfMemory, ModelMissing, Other];

    /// <summary>Exception types (with or without their module) that are out-of-memory errors whatever their message.</summary>
    private static readonly string[] OutOfMemoryTypes = ["torch.OutOfMemoryError", "torch.cuda.OutOfMemoryError", "OutOfMemoryError", "MemoryError"];

    /// <summary>What PyTorch, CUDA, ROCm, MPS and the CPU allocator write when memory runs out, whatever the exception type.</summary>
    private static readonly string[] OutOfMemoryPhrases =
    [
        "out of memory", "Allocation on device", "CUBLAS_STATUS_ALLOC_FAILED", "cudaErrorMemoryAllocation",
        "can't allocate memory", "not enough memory", "Failed to allocate", "OOM when allocating",
    ];

    private static readonly string[] ModelMissingTypes = ["FileNotFoundError"];

    private static readonly string[] ModelMissingPhrases = ["No such file or directory", "model not found", "could not find model"];

    public static string Of(StatusMessage? error)
    {
        var type = error?.ExceptionType ?? "";
        var shortType = type[(type.LastIndexOf('.') + 1)..];
        var message = error?.ExceptionMessage ?? "";
        if (OutOfMemoryTypes.Any(t => string.Equals(t, type, StringComparison.Ordinal) || string.Equals(t, shortType, StringComparison.Ordinal))
            || OutOfMemoryPhrases.Any(p => message.Contains(p, StringComparison.OrdinalIgnoreCase)))
        {
            return OutOfMemory;
        }

        if (ModelMissingTypes.Contains(shortType, StringComparer.Ordinal) || ModelMissingPhrases.Any(p => message.Contains(p, StringComparison.OrdinalIgnoreCase)))
        {
            return ModelMissing;
        }

        return Other;
    }
}
