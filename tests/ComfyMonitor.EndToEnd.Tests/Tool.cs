using System.Diagnostics;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>A command-line tool run to completion (promtool, kubectl, node, dotnet msbuild, a script), within two minutes.</summary>
internal static class Tool
{
    /// <summary>Runs <paramref name="file"/> in <paramref name="directory"/>, with <paramref name="input"/> on its standard input if given.</summary>
    public static async Task<(int Exit, string Output, string Errors)> RunAsync(string file, IEnumerable<string> args, string directory, string? input = null)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output, await errors);
    }
}
