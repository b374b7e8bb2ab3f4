using System.Diagnostics;
using System.Globalization;

namespace ComfyMonitor.Benchmarks;

/// <summary>
/// The live managed heap of a .NET process: dotnet-gcdump collects (a full, blocking GC walks the heap) and
/// reports "N GC Heap bytes". Unlike resident memory it does not count garbage the GC has not returned yet.
/// The tool is installed into the benchmark's folder with `dotnet tool install` when it is not on PATH.
/// </summary>
internal sealed class LiveHeap
{
    private readonly string _tool;

    private LiveHeap(string tool) => _tool = tool;

    public static LiveHeap Install()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "tools");
        var tool = Path.Combine(folder, "dotnet-gcdump");
        if (!File.Exists(tool))
        {
            Console.WriteLine("installing dotnet-gcdump (dotnet tool install) ...");
            Run("dotnet", $"tool install --tool-path \"{folder}\" dotnet-gcdump", TimeSpan.FromMinutes(3));
        }

        return new LiveHeap(tool);
    }

    public long Bytes(int pid)
    {
        var dump = Path.Combine(Path.GetTempPath(), $"comfymonitor-soak-{pid}-{Environment.TickCount64}.gcdump");
        try
        {
            Run(_tool, $"collect -p {pid} -o \"{dump}\"", TimeSpan.FromMinutes(2));
            var report = Run(_tool, $"report \"{dump}\"", TimeSpan.FromMinutes(1));
            var line = report.Split('\n').First(l => l.Contains("GC Heap bytes", StringComparison.Ordinal));
            return long.Parse(line.Trim().Split(' ')[0], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        }
        finally
        {
            File.Delete(dump);
        }
    }

    private static string Run(string file, string arguments, TimeSpan timeout)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed: {errors.Result}{output.Result}");
        }

        return output.Result;
    }
}
