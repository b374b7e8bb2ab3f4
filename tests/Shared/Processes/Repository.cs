namespace ComfyMonitor.Testing;

/// <summary>Paths of the repository the tests run in.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Dashboards => Path.Combine(Root, "dashboards");

    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;

    /// <summary>The built dll of a project under src/, in the configuration the tests were built in.</summary>
    public static string ServiceDll(string project) => Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", project + ".dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Monitor.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Monitor.sln not found above the test assembly");
    }
}
