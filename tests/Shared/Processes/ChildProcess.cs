using System.Collections.Concurrent;
using System.Diagnostics;

namespace ComfyMonitor.Testing;

/// <summary>
/// A process started by a test on 127.0.0.1, killed with the test; the tail of its output is kept for failure
/// messages, and all of it in <see cref="LogFile"/> when one is given (for scans of everything it wrote).
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
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
}
