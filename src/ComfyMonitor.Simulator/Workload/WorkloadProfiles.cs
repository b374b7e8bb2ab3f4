namespace ComfyMonitor.Simulator;

/// <summary>The background users' kinds of work (--workload-profile).</summary>
public static class WorkloadProfiles
{
    public const string Image = "image";
    public const string Video = "video";
    public const string Mixed = "mixed";

    public static readonly IReadOnlyList<string> All = [Image, Video, Mixed];

    /// <summary>Whether instance <paramref name="index"/> serves video under <paramref name="profile"/>.</summary>
    public static bool ServesVideo(string profile, int index) => profile == Video || (profile == Mixed && index % 2 == 1);
}
