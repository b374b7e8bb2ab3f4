using ComfyMonitor.ComfyApi;
using ComfyMonitor.ComfyApi.Models;
using ComfyMonitor.Probe.Running;

namespace ComfyMonitor.Probe.Canaries;

/// <summary>What a canary may use while it prepares: the client, the options, the run's phase timer.</summary>
public sealed class CanaryContext(ComfyClient client, ProbeOptions options, PhaseTimer phases, Random random)
{
    public ComfyClient Client { get; } = client;

    public ProbeOptions Options { get; } = options;

    public PhaseTimer Phases { get; } = phases;

    public Random Random { get; } = random;

    /// <summary>Uploads an image under a fixed name in the probe's subfolder (overwrite), timed as upload_image.</summary>
    public async Task<UploadResponse> UploadImageAsync(byte[] png, string fileName, CancellationToken cancellationToken)
    {
        var result = await Phases.TimeAsync(Phase.UploadImage, () => Client.UploadImageAsync(png, fileName, Options.Subfolder, "input", overwrite: true, cancellationToken));
        return Uploaded(result, "/upload/image");
    }

    public async Task<UploadResponse> UploadMaskAsync(byte[] png, string fileName, UploadResponse original, CancellationToken cancellationToken)
    {
        var result = await Phases.TimeAsync(Phase.UploadMask, () => Client.UploadMaskAsync(png, fileName,
            new OriginalRef { Filename = original.Name, Subfolder = original.Subfolder, Type = original.Type }, Options.Subfolder, "input", overwrite: true, cancellationToken));
        return Uploaded(result, "/upload/mask");
    }

    private static UploadResponse Uploaded(ComfyResult<UploadResponse> result, string route)
    {
        if (result.IsSuccess)
        {
            return result.Value;
        }

        var reason = result.Error.Reason == ComfyErrorReason.HttpStatus ? FailureReasons.UploadRejected : FailureReasons.From(result.Error);
        throw new CanaryFailedException(reason, $"{route}: {result.Error}");
    }
}
