using System.Diagnostics;

namespace ComfyMonitor.Testing;

/// <summary>Runs the real promtool (Debian package "prometheus", installed by ./test.sh).</summary>
internal static class Promtool
{
    public static async Task<string> CheckMetricsAsync(string exposition)
    {
        var start = new ProcessStartInfo("promtool", "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("promtool did not start; run ./test.sh to install it");
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Trim() + (process.ExitCode == 0 ? "" : $" (exit {process.ExitCode})");
    }
}
