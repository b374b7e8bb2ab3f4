using System.Collections.Concurrent;
using System.Diagnostics;

namespace ComfyMonitor.Testing;

/// <summary>
/// A process started by a test on 127.0.0.1, killed with the test; the tail of its output is kept for failure
/// messages, and all of it in <see cref="LogFile"/> when one is given (for scans of everything it wrote).
/// </summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private StreamWriter? _log;
    private readonly Lock _logLock = new();

    private ChildProcess(Process process, string? logFile)
    {
        _process = process;
        LogFile = logFile;
        _log = logFile is null ? null : new StreamWriter(logFile) { AutoFlush = true };
    }

    public ConcurrentQueue<string> Output { get; } = new();

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    public string? LogFile { get; }

    public static ChildProcess Start(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, string? workingDirectory = null, string? logFile = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var child = new ChildProcess(process, logFile);
        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Where a service listens, once <see cref="WaitListeningAsync"/> has read it.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>
    /// Starts a ComfyMonitor service (its built dll, a project under src/) on a port of 127.0.0.1 the system chooses
    /// (<see cref="WaitListeningAsync"/> reads it back), logging at Warning unless <paramref name="environment"/> says otherwise.
    /// </summary>
    public static ChildProcess StartService(string project, IDictionary<string, string> environment, string? logFile = null)
    {
        var dll = Repository.ServiceDll(project);
        var settings = new Dictionary<string, string>(environment);
        settings.TryAdd("Logging__LogLevel__Default", "Warning");
        settings["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        return Start("dotnet", [dll, "--urls", "http://127.0.0.1:0"], settings, Path.GetDirectoryName(dll), logFile);
    }

    /// <summary><see cref="StartService"/>, then <see cref="WaitListeningAsync"/>; the process is stopped when it never listens.</summary>
    public static async Task<ChildProcess> StartServiceAsync(string project, IDictionary<string, string> environment, string? logFile = null)
    {
        var child = StartService(project, environment, logFile);
        try
        {
            await child.WaitListeningAsync();
            return child;
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// <see cref="StartService"/>, added to <paramref name="started"/> at once (so that the test stops it whatever happens),
    /// then waits until it listens and its /metrics answers: a client for it.
    /// </summary>
    public static async Task<HttpClient> StartServiceReadyAsync(string project, IDictionary<string, string> environment, string logFile, ICollection<ChildProcess> started)
    {
        var process = StartService(project, environment, logFile);
        started.Add(process);
        var http = new HttpClient { BaseAddress = await process.WaitListeningAsync(), Timeout = TimeSpan.FromSeconds(30) };
        await WaitForHttpAsync(http, "metrics", () => process.Tail(20), () => process.HasExited);
        return http;
    }

    /// <summary>Reads the address from the service's "Now listening on" line into <see cref="Url"/>.</summary>
    public async Task<Uri> WaitListeningAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (Output.Select(l => ListeningOn().Match(l)).FirstOrDefault(m => m.Success) is { } listening)
            {
                return Url = new Uri(listening.Groups[1].Value + "/");
            }

            if (HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{(HasExited ? $"exited with {ExitCode}" : "did not say where it listens within 60 s")}:\n{Tail()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the process has exited and all its output has been read.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Polls <paramref name="path"/> until it answers 2xx; fails with <paramref name="diagnostics"/> after a minute or when <paramref name="failed"/> says so.</summary>
    public static async Task WaitForHttpAsync(HttpClient http, string path, Func<string> diagnostics, Func<bool>? failed = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(path);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline || failed?.Invoke() == true)
            {
                throw new TimeoutException($"{http.BaseAddress}{path} never answered\n{diagnostics()}");
            }

            await Task.Delay(200);
        }
    }

    public string Tail(int lines = 30) => string.Join('\n', Output.TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        lock (_logLock)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            _log?.WriteLine(line);
        }

        Output.Enqueue(line);
        while (Output.Count > 500)
        {
            Output.TryDequeue(out _);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Now listening on: (https?://127\.0\.0\.1:\d+)")]
    private static partial System.Text.RegularExpressions.Regex ListeningOn();
}
