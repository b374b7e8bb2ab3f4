using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ComfyMonitor.Benchmarks;

/// <summary>
/// Every process the benchmark starts, stopped on any way out of it: a normal return, an exception, Ctrl+C
/// (SIGINT), SIGTERM or SIGQUIT. Only a SIGKILL of the benchmark itself can leave one behind.
/// </summary>
internal static class OwnedProcesses
{
    private static readonly ConcurrentDictionary<Process, int> Started = new(ReferenceEqualityComparer.Instance);
    private static readonly List<PosixSignalRegistration> Signals = [];

    /// <summary>Installs the handlers once, before anything is started.</summary>
    public static void StopAllOnExit()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => StopAll();
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT })
        {
            Signals.Add(PosixSignalRegistration.Create(signal, context =>
            {
                Console.Error.WriteLine($"{context.Signal}: stopping the {Started.Count} processes the benchmark started");
                StopAll();
                // The default action (ending the benchmark) follows.
            }));
        }
    }

    /// <summary>Owns <paramref name="process"/>: callers stop it with <see cref="Stop"/>, never by disposing it.</summary>
    public static Process Add(Process process)
    {
        Started[process] = process.Id;
        return process;
    }

    /// <summary>Stops one process (and its children), then releases it.</summary>
    public static void Stop(Process process)
    {
        if (!Started.TryRemove(process, out _))
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            process.Dispose();
        }
    }

    public static void StopAll()
    {
        foreach (var process in Started.Keys)
        {
            Stop(process);
        }
    }
}
