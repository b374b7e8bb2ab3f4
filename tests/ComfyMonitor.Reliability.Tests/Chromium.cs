using System.Diagnostics;

namespace ComfyMonitor.Reliability.Tests;

/// <summary>Headless Chromium (Debian package "chromium", installed by ./test.sh): the DOM of a page after its scripts ran.</summary>
internal static class Chromium
{
    /// <param name="width">The window's width in CSS pixels (Chromium's default when null).</param>
    public static async Task<string> DumpDomAsync(string url, int? width = null)
    {
        var profile = Directory.CreateTempSubdirectory("chromium-").FullName;
        try
        {
            return await DumpDomAsync(url, profile, width);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    private static async Task<string> DumpDomAsync(string url, string profile, int? width)
    {
        var start = new ProcessStartInfo("chromium")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
            "--no-first-run", "--virtual-time-budget=3000", $"--user-data-dir={profile}", $"--window-size={width ?? 800},900", "--dump-dom", url,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start; run ./test.sh to install it");
        var dom = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish loading {url}: {await errors}");
        }

        var text = await dom;
        return text.Length > 0 ? text : throw new InvalidOperationException($"chromium printed no DOM for {url} (exit {process.ExitCode}): {await errors}");
    }
}
