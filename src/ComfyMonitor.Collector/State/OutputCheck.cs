using ComfyMonitor.ComfyApi.Imaging;

namespace ComfyMonitor.Collector.State;

/// <summary>
/// What a check of a user's output found: ok, blank (black, as NaN latents decode: the prompt still says success; a
/// user's picture of one flat colour may be on purpose, so only black counts here), or unreadable (not a PNG the codec reads, larger than Collector:OutputChecks:MaxBytes, or not fetched).
/// Nothing of the image or its name is kept.
/// </summary>
public static class OutputCheck
{
    public const string Ok = "ok";
    public const string Blank = "blank";
    public const string Unreadable = "unreadable";

    public static string Of(byte[] png)
    {
        try
        {
            return Blankness.IsBlack(Png.Decode(png)) ? Blank : Ok;
        }
        catch (InvalidDataException)
        {
            return Unreadable;
        }
    }
}
