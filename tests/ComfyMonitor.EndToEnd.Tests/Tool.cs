using System.Diagnostics;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>
/// A command-line tool run to completion (promtool, kubectl, node, dotnet msbuild, a script). The deadline only guards
/// against a hang (promtool's unit tests alone take ~25 s of CPU, more on a loaded machine); a tool past it is killed
/// with its children, so that it does not keep a core busy under the tests that follow.
/// </summary>
internal static class Tool
{
    /// <summary>The collection of the classes that run promtool's unit tests of the alerts.</summary>
    public const string PromtoolUnitTests = "promtool unit tests";

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

        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{file} {string.Join(' ', args)} ran for 10 minutes:\n{await output}{await errors}");
        }

        return (process.ExitCode, await output, await errors);
    }
}
