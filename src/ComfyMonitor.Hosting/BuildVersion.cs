using System.Reflection;

namespace ComfyMonitor.Hosting;

/// <summary>
/// The version of this build of ComfyMonitor: one for the whole solution (<c>Version</c> in Directory.Build.props), with
/// the commit it was built from where the build knew it (the SDK appends it to the informational version as
/// <c>+&lt;commit&gt;</c>). Shown by <c>--version</c>, on the pages, and in <c>comfymonitor_build_info</c>.
/// </summary>
public static class BuildVersion
{
    /// <summary>The command-line flag that prints <see cref="Line"/> and exits.</summary>
    public const string Flag = "--version";

    private static readonly string Informational =
        typeof(BuildVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The release, e.g. 1.0.0: the image tags of deploy/kubernetes and the top entry of CHANGELOG.md.</summary>
    public static string Version { get; } = Informational.Split('+')[0];

    /// <summary>The commit the build came from, or "" when the build did not know it.</summary>
    public static string Revision { get; } = Informational.Contains('+', StringComparison.Ordinal) ? Informational[(Informational.IndexOf('+', StringComparison.Ordinal) + 1)..] : "";

    /// <summary>The .NET runtime the process runs on, e.g. 10.0.0.</summary>
    public static string Runtime { get; } = Environment.Version.ToString();

    /// <summary>Whether the command line asks for the version only.</summary>
    public static bool Requested(IEnumerable<string> args) => args.Contains(Flag, StringComparer.Ordinal);

    /// <summary>What <c>--version</c> prints: <c>comfymonitor-collector 1.0.0 (revision 1a2b3c4, .NET 10.0.0)</c>.</summary>
    public static string Line(string program) =>
        $"{program} {Version} ({(Revision.Length > 0 ? $"revision {Revision[..Math.Min(12, Revision.Length)]}, " : "")}.NET {Runtime})";
}
