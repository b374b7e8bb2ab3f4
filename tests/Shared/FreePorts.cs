using System.Net;
using System.Net.Sockets;

namespace ComfyMonitor.Testing;

/// <summary>Finds runs of free loopback ports, so that tests in parallel never collide.</summary>
internal static class FreePorts
{
    private static int _next = 20000 + (Environment.ProcessId % 200 * 100);
    private static readonly Lock Lock = new();

    public static int Range(int count)
    {
        lock (Lock)
        {
            for (var attempt = 0; attempt < 500; attempt++)
            {
                var start = _next;
                _next += count + 1;
                if (_next > 60000)
                {
                    _next = 20000;
                }

                if (Enumerable.Range(start, count).All(IsFree))
                {
                    return start;
                }
            }

            throw new InvalidOperationException($"No run of {count} free ports found.");
        }
    }

    public static int One() => Range(1);

    /// <summary>A port nothing listens on (bound, then released).</summary>
    public static int Closed()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
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
