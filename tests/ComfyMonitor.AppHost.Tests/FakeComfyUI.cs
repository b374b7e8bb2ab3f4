using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ComfyMonitor.AppHost.Tests;

/// <summary>A ComfyUI server reduced to /system_stats (as 0.3.64 answers it on a GPU), behind a required Authorization header.</summary>
internal sealed class FakeComfyUI : IDisposable
{
    private const string SystemStats = """
        {"system": {"os": "posix", "ram_total": 67108864000, "ram_free": 50000000000, "comfyui_version": "0.3.64", "required_frontend_version": "1.27.10",
         "python_version": "3.12.3", "pytorch_version": "2.8.0+cu128", "embedded_python": false, "argv": ["main.py"]},
         "devices": [{"name": "cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync", "type": "cuda", "index": 0, "vram_total": 25393692672,
         "vram_free": 24000000000, "torch_vram_total": 0, "torch_vram_free": 0}]}
        """;

    private readonly HttpListener _listener = new();
    private readonly Task _serving;

    public FakeComfyUI(string authorization)
    {
        RequiredAuthorization = authorization;
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public string Url { get; }

    public volatile string RequiredAuthorization;

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var response = context.Response;
            if (context.Request.Headers["Authorization"] != RequiredAuthorization)
            {
                response.StatusCode = 401;
                continue;
            }

            var body = Encoding.UTF8.GetBytes(context.Request.Url!.AbsolutePath == "/system_stats" ? SystemStats : "{}");
            response.StatusCode = context.Request.Url.AbsolutePath == "/system_stats" ? 200 : 404;
            response.ContentType = "application/json";
            await response.OutputStream.WriteAsync(body);
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}
