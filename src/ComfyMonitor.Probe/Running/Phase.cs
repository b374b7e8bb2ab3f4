namespace ComfyMonitor.Probe.Running;

/// <summary>The phases of a canary run (the <c>phase</c> label).</summary>
public static class Phase
{
    public const string UploadImage = "upload_image";
    public const string UploadMask = "upload_mask";
    public const string Submit = "submit";
    public const string QueueWait = "queue_wait";
    public const string Execute = "execute";
    public const string FetchOutput = "fetch_output";
    public const string Total = "total";

    public static readonly IReadOnlyList<string> All = [UploadImage, UploadMask, Submit, QueueWait, Execute, FetchOutput, Total];
}
