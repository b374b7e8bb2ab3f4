namespace ComfyMonitor.Testing;

/// <summary>Where the copied ComfyUI reference material is, next to the test assembly.</summary>
internal static class TestPaths
{
    public static string ComfyApi => Path.Combine(AppContext.BaseDirectory, "TestData", "comfyui-api");

    public static string Examples => Path.Combine(ComfyApi, "examples");

    public static string Canary => Path.Combine(ComfyApi, "canary");

    public static string Example(string name) => Path.Combine(Examples, name);
}
