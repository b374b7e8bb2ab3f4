using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyMonitor.Testing;

/// <summary>
/// Loopback ports for the tests. Whatever can bind to port 0 does, and its port is read back (<see cref="Bound"/>);
/// only the simulator, whose instances sit on consecutive ports, takes a run of ports found free, below the
/// kernel's ephemeral range so that no outgoing connection takes one, and its start is retried when another
/// process took one first (<see cref="BindAsync{T}"/>). Each test process draws from a slice of its own (test.sh runs
/// two at once): a port found free may be one whose owner let it go for a while — an instance switched to "down" for
/// minutes — and the other process must not take it.
/// </summary>
internal static class FreePorts
{
    /// <summary>Below Linux's ephemeral range (32768-60999), where port 0 and outgoing connections draw from.</summary>
    private const int First = 10000;
    private const int Last = 18000; // and below the benchmark's fixed ports (18100 and up)
    private const int Slices = 4;

    public const string AnyPort = "http://127.0.0.1:0";

    /// <summary>This process's slice, held by an exclusive lock on its file while the process lives.</summary>
    private static readonly (int First, int Last, FileStream? Claim) Slice = ClaimSlice();
    private static int _next = Slice.First + Random.Shared.Next(Slice.Last - Slice.First);
    private static readonly Lock Lock = new();
    private static readonly List<Socket> HeldClosed = [];

    public static int Range(int count)
    {
        lock (Lock)
        {
            for (var attempt = 0; attempt < 500; attempt++)
            {
                if (_next + count > Slice.Last)
                {
                    _next = Slice.First;
                }

                var start = _next;
                _next += count + 1;
                if (Enumerable.Range(start, count).All(IsFree))
                {
                    return start;
                }
            }

            throw new InvalidOperationException($"No run of {count} free ports found.");
        }
    }

    public static int One() => Range(1);

    /// <summary>
    /// A port nothing listens on: it stays bound (never listening) until the test process ends, so a connection to it is
    /// refused and no other bind to port 0 is given it. A port bound and released at once went back to the pool that every
    /// port-0 bind draws from, and a CI run's "refused" instance was answered by another test's server.
    /// </summary>
    public static int Closed()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        lock (Lock)
        {
            HeldClosed.Add(socket);
        }

        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>The ports a started app listens on, in the order its addresses were configured.</summary>
    public static IReadOnlyList<int> Bound(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a).Port).ToList();

    /// <summary>Starts something on ports found free, again on other ports while another process takes one of them first.</summary>
    public static async Task<T> BindAsync<T>(Func<Task<T>> start)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await start();
            }
            catch (IOException ex) when (attempt < 5 && ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
            }
        }
    }

    /// <summary>The first slice whose lock file no other process holds; the whole range when every one is taken.</summary>
    private static (int First, int Last, FileStream? Claim) ClaimSlice()
    {
        const int size = (Last - First) / Slices;
        for (var n = 0; n < Slices; n++)
        {
            try
            {
                var claim = new FileStream(Path.Combine(Path.GetTempPath(), $"comfymonitor-test-ports-{n}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return (First + (n * size), First + ((n + 1) * size), claim);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another test process holds this slice.
            }
        }

        return (First, Last, null); // shared, as before: ports are still checked free, and a simulator's start retried
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
